/* The floor imcache's verify is measured against: what any program must do for the same check,
 * with nothing else. `floor PORT` connects to 127.0.0.1:PORT, sends PING, then SET/GET/TTL/DEL
 * pipelined (two round trips, as verify), and exits 0 when the replies are right.
 * `floor PORT --first-pong` polls every millisecond (for up to 20 s) until the port answers PING
 * and prints the time of that first PONG (CLOCK_REALTIME, ns): the reference for how late imcache notices a
 * server that starts. Built by bench/verify.sh and bench/readiness.sh with the system's cc. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int dial(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { close(fd); return -1; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Reads until `lines` CRLF-terminated lines (bulk strings count their payload line) arrived. */
static int read_lines(int fd, char *buf, size_t size, int lines) {
    size_t got = 0; int seen = 0;
    while (seen < lines) {
        ssize_t n = read(fd, buf + got, size - got - 1);
        if (n <= 0) return -1;
        for (ssize_t i = 0; i < n; i++) if (buf[got + i] == '\n') seen++;
        got += n;
    }
    buf[got] = 0;
    return (int)got;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int port = atoi(argv[1]);
    char buf[4096];
    if (argc > 2 && strcmp(argv[2], "--first-pong") == 0) {
        /* Gives up after 20 s (a server that never came up). */
        for (int tries = 0; tries < 20000; tries++) {
            int fd = dial(port);
            if (fd >= 0) {
                if (write(fd, "PING\r\n", 6) == 6 && read_lines(fd, buf, sizeof buf, 1) > 0
                    && strncmp(buf, "+PONG", 5) == 0) {
                    struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts);
                    printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
                    return 0;
                }
                close(fd);
            }
            usleep(1000);
        }
        return 3;
    }
    int fd = dial(port);
    if (fd < 0) return 3;
    if (write(fd, "PING\r\n", 6) != 6 || read_lines(fd, buf, sizeof buf, 1) < 0
        || strncmp(buf, "+PONG", 5) != 0) return 1;
    char key[64];
    snprintf(key, sizeof key, "floor:verify:%d", getpid());
    char cmd[512];
    size_t k = strlen(key);
    int len = snprintf(cmd, sizeof cmd,
        "*6\r\n$3\r\nSET\r\n$%zu\r\n%s\r\n$16\r\n{\"data\":\"value\"}\r\n$2\r\nEX\r\n"
        "$2\r\n60\r\n$2\r\nNX\r\n"
        "*2\r\n$3\r\nGET\r\n$%zu\r\n%s\r\n*2\r\n$3\r\nTTL\r\n$%zu\r\n%s\r\n"
        "*2\r\n$3\r\nDEL\r\n$%zu\r\n%s\r\n", k, key, k, key, k, key, k, key);
    if (write(fd, cmd, len) != len) return 1;
    /* +OK, $16 and its payload, :60, :1 */
    if (read_lines(fd, buf, sizeof buf, 5) < 0) return 1;
    return strstr(buf, "{\"data\":\"value\"}") && strstr(buf, ":1\r\n") ? 0 : 1;
}
