# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_imcache_global_optspecs
    string join \n help u/url= h/host= p/port= n/db= user= askpass a/pass= tls cacert= cert= key= s/socket= sentinel-master= cluster insecure timeout= env-file= json color= q/quiet v/verbose V/version
end

function __fish_imcache_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_imcache_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_imcache_using_subcommand
    set -l cmd (__fish_imcache_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c imcache -n "__fish_imcache_needs_command" -s u -l url -d 'redis://, rediss://, unix:// or redis+sentinel:// URL; overrides host, port, db, user and password [env: REDIS_URL]' -r
complete -c imcache -n "__fish_imcache_needs_command" -s h -s H -l host -d 'Host name or address [default: localhost] [env: REDIS_HOST]' -r
complete -c imcache -n "__fish_imcache_needs_command" -s p -l port -d 'TCP port [default: 6379] [env: REDIS_PORT]' -r
complete -c imcache -n "__fish_imcache_needs_command" -s n -l db -d 'Database number [default: 0] [env: REDIS_DB]' -r
complete -c imcache -n "__fish_imcache_needs_command" -l user -d 'ACL user name [env: REDIS_USERNAME]' -r
complete -c imcache -n "__fish_imcache_needs_command" -s a -l pass -d 'redis-cli\'s `-a PASSWORD`: recognised only to be refused with the ways that work' -r
complete -c imcache -n "__fish_imcache_needs_command" -l cacert -d 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]' -r -F
complete -c imcache -n "__fish_imcache_needs_command" -l cert -d 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]' -r -F
complete -c imcache -n "__fish_imcache_needs_command" -l key -d 'The client certificate\'s private key (PEM) [env: REDIS_TLS_KEY]' -r -F
complete -c imcache -n "__fish_imcache_needs_command" -s s -l socket -d 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]' -r -F
complete -c imcache -n "__fish_imcache_needs_command" -l sentinel-master -d 'Ask the Sentinel at --host/--port for this master and use it (or a redis+sentinel:// URL); the sentinels\' own password is REDIS_SENTINEL_PASSWORD [env: REDIS_SENTINEL_MASTER]' -r
complete -c imcache -n "__fish_imcache_needs_command" -l timeout -d 'Connect and command timeout, e.g. 5s, 500ms' -r
complete -c imcache -n "__fish_imcache_needs_command" -l env-file -d 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]' -r -F
complete -c imcache -n "__fish_imcache_needs_command" -l color -d 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream\'s tty' -r -f -a "auto\t''
always\t''
never\t''"
complete -c imcache -n "__fish_imcache_needs_command" -l help -d 'Print help (`imcache COMMAND --help` for one command)'
complete -c imcache -n "__fish_imcache_needs_command" -l askpass -d 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file, then REDISCLI_AUTH; there is no password flag: `ps` shows every process\'s arguments to every user)'
complete -c imcache -n "__fish_imcache_needs_command" -l tls -d 'Use TLS (implied by rediss://) [env: REDIS_TLS]'
complete -c imcache -n "__fish_imcache_needs_command" -l cluster -d 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]'
complete -c imcache -n "__fish_imcache_needs_command" -l insecure -d 'Skip TLS certificate verification (prints a warning)'
complete -c imcache -n "__fish_imcache_needs_command" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c imcache -n "__fish_imcache_needs_command" -s q -l quiet -d 'Print only failures, warnings and the final line (verify: nothing when all is well)'
complete -c imcache -n "__fish_imcache_needs_command" -s v -l verbose -d 'Also print each round trip to Redis and each external command as it happens'
complete -c imcache -n "__fish_imcache_needs_command" -s V -l version -d 'Print version'
complete -c imcache -n "__fish_imcache_needs_command" -f -a "setup" -d 'Install and start Redis (docker, brew, apt or a cloud URL), verify it, write .env'
complete -c imcache -n "__fish_imcache_needs_command" -f -a "verify" -d 'Prove the cache works: PING, SET/GET a JSON value with a TTL, clean up (the CI step)'
complete -c imcache -n "__fish_imcache_needs_command" -f -a "metrics" -d 'Hit rate, memory, evictions, clients ... once, live, or for Prometheus'
complete -c imcache -n "__fish_imcache_needs_command" -f -a "tune" -d 'Write maxmemory, maxmemory-policy and save rules to redis.conf and/or the live server'
complete -c imcache -n "__fish_imcache_needs_command" -f -a "doctor" -d 'Diagnose: every check, a verdict and the command that fixes each finding'
complete -c imcache -n "__fish_imcache_needs_command" -f -a "env" -d 'Show the resolved connection settings and where each came from (password masked)'
complete -c imcache -n "__fish_imcache_needs_command" -f -a "keys" -d 'Check the cache policy (L1-L4 tiers, imcache.toml) against the live keyspace, via SCAN'
complete -c imcache -n "__fish_imcache_needs_command" -f -a "inspect" -d 'One or more keys: type, TTL and tier fit, memory, encoding, a bounded preview'
complete -c imcache -n "__fish_imcache_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c imcache -n "__fish_imcache_needs_command" -f -a "man" -d 'Print a man page (roff): `imcache man verify | man -l -`'
complete -c imcache -n "__fish_imcache_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l name -d 'Docker container name' -r
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l image -d 'Docker image' -r
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l wait -d 'How long to wait for Redis to answer PING' -r
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l key-prefix -d 'Prefix of the test key, for users limited to a key pattern [default: imcache:verify:] [env: IMCACHE_KEY_PREFIX]' -r
complete -c imcache -n "__fish_imcache_using_subcommand setup" -s u -l url -d 'redis://, rediss://, unix:// or redis+sentinel:// URL; overrides host, port, db, user and password [env: REDIS_URL]' -r
complete -c imcache -n "__fish_imcache_using_subcommand setup" -s h -s H -l host -d 'Host name or address [default: localhost] [env: REDIS_HOST]' -r
complete -c imcache -n "__fish_imcache_using_subcommand setup" -s p -l port -d 'TCP port [default: 6379] [env: REDIS_PORT]' -r
complete -c imcache -n "__fish_imcache_using_subcommand setup" -s n -l db -d 'Database number [default: 0] [env: REDIS_DB]' -r
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l user -d 'ACL user name [env: REDIS_USERNAME]' -r
complete -c imcache -n "__fish_imcache_using_subcommand setup" -s a -l pass -d 'redis-cli\'s `-a PASSWORD`: recognised only to be refused with the ways that work' -r
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l cacert -d 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l cert -d 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l key -d 'The client certificate\'s private key (PEM) [env: REDIS_TLS_KEY]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand setup" -s s -l socket -d 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l sentinel-master -d 'Ask the Sentinel at --host/--port for this master and use it (or a redis+sentinel:// URL); the sentinels\' own password is REDIS_SENTINEL_PASSWORD [env: REDIS_SENTINEL_MASTER]' -r
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l timeout -d 'Connect and command timeout, e.g. 5s, 500ms' -r
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l env-file -d 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l color -d 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream\'s tty' -r -f -a "auto\t''
always\t''
never\t''"
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l dry-run -d 'Print every command that would run, one per line, and change nothing'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -s y -l yes -d 'Answer yes to every confirmation (needed without a terminal)'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l expose -d 'Publish the container on all interfaces (then a password is required)'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l require-pass -d 'Require a password (REDIS_PASSWORD, --askpass, or a generated one)'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l no-env -d 'Do not write the .env file'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l help -d 'Print help (`imcache COMMAND --help` for one command)'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l askpass -d 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file, then REDISCLI_AUTH; there is no password flag: `ps` shows every process\'s arguments to every user)'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l tls -d 'Use TLS (implied by rediss://) [env: REDIS_TLS]'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l cluster -d 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l insecure -d 'Skip TLS certificate verification (prints a warning)'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -s q -l quiet -d 'Print only failures, warnings and the final line (verify: nothing when all is well)'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -s v -l verbose -d 'Also print each round trip to Redis and each external command as it happens'
complete -c imcache -n "__fish_imcache_using_subcommand setup" -s V -l version -d 'Print version'
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l wait -d 'Retry the connection until Redis answers or this much time has passed (e.g. 30s)' -r
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l health-url -d 'Also GET the app\'s health endpoint and require "cache": "connected"' -r
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l ttl -d 'TTL in seconds of the test key' -r
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l key-prefix -d 'Prefix of the test key, for users limited to a key pattern [default: imcache:verify:] [env: IMCACHE_KEY_PREFIX]' -r
complete -c imcache -n "__fish_imcache_using_subcommand verify" -s u -l url -d 'redis://, rediss://, unix:// or redis+sentinel:// URL; overrides host, port, db, user and password [env: REDIS_URL]' -r
complete -c imcache -n "__fish_imcache_using_subcommand verify" -s h -s H -l host -d 'Host name or address [default: localhost] [env: REDIS_HOST]' -r
complete -c imcache -n "__fish_imcache_using_subcommand verify" -s p -l port -d 'TCP port [default: 6379] [env: REDIS_PORT]' -r
complete -c imcache -n "__fish_imcache_using_subcommand verify" -s n -l db -d 'Database number [default: 0] [env: REDIS_DB]' -r
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l user -d 'ACL user name [env: REDIS_USERNAME]' -r
complete -c imcache -n "__fish_imcache_using_subcommand verify" -s a -l pass -d 'redis-cli\'s `-a PASSWORD`: recognised only to be refused with the ways that work' -r
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l cacert -d 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l cert -d 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l key -d 'The client certificate\'s private key (PEM) [env: REDIS_TLS_KEY]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand verify" -s s -l socket -d 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l sentinel-master -d 'Ask the Sentinel at --host/--port for this master and use it (or a redis+sentinel:// URL); the sentinels\' own password is REDIS_SENTINEL_PASSWORD [env: REDIS_SENTINEL_MASTER]' -r
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l timeout -d 'Connect and command timeout, e.g. 5s, 500ms' -r
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l env-file -d 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l color -d 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream\'s tty' -r -f -a "auto\t''
always\t''
never\t''"
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l help -d 'Print help (`imcache COMMAND --help` for one command)'
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l askpass -d 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file, then REDISCLI_AUTH; there is no password flag: `ps` shows every process\'s arguments to every user)'
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l tls -d 'Use TLS (implied by rediss://) [env: REDIS_TLS]'
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l cluster -d 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]'
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l insecure -d 'Skip TLS certificate verification (prints a warning)'
complete -c imcache -n "__fish_imcache_using_subcommand verify" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c imcache -n "__fish_imcache_using_subcommand verify" -s q -l quiet -d 'Print only failures, warnings and the final line (verify: nothing when all is well)'
complete -c imcache -n "__fish_imcache_using_subcommand verify" -s v -l verbose -d 'Also print each round trip to Redis and each external command as it happens'
complete -c imcache -n "__fish_imcache_using_subcommand verify" -s V -l version -d 'Print version'
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l watch -d 'Sample every SECS seconds (e.g. 5 or 0.5; 2 when no value is given) and show the rates of each interval' -r
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l count -d 'With --watch: stop after N samples' -r
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l format -d 'Output format (--json is the same as --format json)' -r -f -a "table\t''
json\t''
prometheus\t''"
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l app-url -d 'Also read the app\'s /cache/metrics and show it beside the server\'s view' -r
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -s u -l url -d 'redis://, rediss://, unix:// or redis+sentinel:// URL; overrides host, port, db, user and password [env: REDIS_URL]' -r
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -s h -s H -l host -d 'Host name or address [default: localhost] [env: REDIS_HOST]' -r
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -s p -l port -d 'TCP port [default: 6379] [env: REDIS_PORT]' -r
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -s n -l db -d 'Database number [default: 0] [env: REDIS_DB]' -r
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l user -d 'ACL user name [env: REDIS_USERNAME]' -r
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -s a -l pass -d 'redis-cli\'s `-a PASSWORD`: recognised only to be refused with the ways that work' -r
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l cacert -d 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l cert -d 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l key -d 'The client certificate\'s private key (PEM) [env: REDIS_TLS_KEY]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -s s -l socket -d 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l sentinel-master -d 'Ask the Sentinel at --host/--port for this master and use it (or a redis+sentinel:// URL); the sentinels\' own password is REDIS_SENTINEL_PASSWORD [env: REDIS_SENTINEL_MASTER]' -r
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l timeout -d 'Connect and command timeout, e.g. 5s, 500ms' -r
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l env-file -d 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l color -d 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream\'s tty' -r -f -a "auto\t''
always\t''
never\t''"
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l help -d 'Print help (`imcache COMMAND --help` for one command)'
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l askpass -d 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file, then REDISCLI_AUTH; there is no password flag: `ps` shows every process\'s arguments to every user)'
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l tls -d 'Use TLS (implied by rediss://) [env: REDIS_TLS]'
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l cluster -d 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]'
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l insecure -d 'Skip TLS certificate verification (prints a warning)'
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -s q -l quiet -d 'Print only failures, warnings and the final line (verify: nothing when all is well)'
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -s v -l verbose -d 'Also print each round trip to Redis and each external command as it happens'
complete -c imcache -n "__fish_imcache_using_subcommand metrics" -s V -l version -d 'Print version'
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l config -d 'Edit this redis.conf in place (backup first, atomic write); given again, a file it includes that tune may edit too' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l profile -d 'Apply a whole profile (flags override its values): prod keeps the guide\'s snapshots, dev turns persistence off [env: IMCACHE_PROFILE] [default: prod when no value flag is given]' -r -f -a "dev\t'No persistence (save "")'
prod\t'The guide\'s snapshots: save 900 1, 300 10, 60 10000'"
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l maxmemory -d 'Memory limit in Redis units: bytes, k, kb, m, mb, g, gb (1k = 1000, 1kb = 1024) [profile: 256mb]' -r
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l policy -d 'Eviction policy [profile: allkeys-lru]' -r -f -a "allkeys-lru\t''
allkeys-lfu\t''
allkeys-random\t''
volatile-lru\t''
volatile-lfu\t''
volatile-random\t''
volatile-ttl\t''
noeviction\t''"
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l save -d 'Save rules as pairs of seconds and changes, e.g. "900 1 300 10 60 10000"' -r
complete -c imcache -n "__fish_imcache_using_subcommand tune" -s u -l url -d 'redis://, rediss://, unix:// or redis+sentinel:// URL; overrides host, port, db, user and password [env: REDIS_URL]' -r
complete -c imcache -n "__fish_imcache_using_subcommand tune" -s h -s H -l host -d 'Host name or address [default: localhost] [env: REDIS_HOST]' -r
complete -c imcache -n "__fish_imcache_using_subcommand tune" -s p -l port -d 'TCP port [default: 6379] [env: REDIS_PORT]' -r
complete -c imcache -n "__fish_imcache_using_subcommand tune" -s n -l db -d 'Database number [default: 0] [env: REDIS_DB]' -r
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l user -d 'ACL user name [env: REDIS_USERNAME]' -r
complete -c imcache -n "__fish_imcache_using_subcommand tune" -s a -l pass -d 'redis-cli\'s `-a PASSWORD`: recognised only to be refused with the ways that work' -r
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l cacert -d 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l cert -d 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l key -d 'The client certificate\'s private key (PEM) [env: REDIS_TLS_KEY]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand tune" -s s -l socket -d 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l sentinel-master -d 'Ask the Sentinel at --host/--port for this master and use it (or a redis+sentinel:// URL); the sentinels\' own password is REDIS_SENTINEL_PASSWORD [env: REDIS_SENTINEL_MASTER]' -r
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l timeout -d 'Connect and command timeout, e.g. 5s, 500ms' -r
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l env-file -d 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l color -d 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream\'s tty' -r -f -a "auto\t''
always\t''
never\t''"
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l live -d 'Apply to the running server with CONFIG SET, and keep it in the server\'s config file'
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l no-save -d 'No snapshots (save "")'
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l dry-run -d 'Show the diff and change nothing'
complete -c imcache -n "__fish_imcache_using_subcommand tune" -s y -l yes -d 'Write without asking (needed without a terminal)'
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l help -d 'Print help (`imcache COMMAND --help` for one command)'
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l askpass -d 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file, then REDISCLI_AUTH; there is no password flag: `ps` shows every process\'s arguments to every user)'
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l tls -d 'Use TLS (implied by rediss://) [env: REDIS_TLS]'
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l cluster -d 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]'
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l insecure -d 'Skip TLS certificate verification (prints a warning)'
complete -c imcache -n "__fish_imcache_using_subcommand tune" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c imcache -n "__fish_imcache_using_subcommand tune" -s q -l quiet -d 'Print only failures, warnings and the final line (verify: nothing when all is well)'
complete -c imcache -n "__fish_imcache_using_subcommand tune" -s v -l verbose -d 'Also print each round trip to Redis and each external command as it happens'
complete -c imcache -n "__fish_imcache_using_subcommand tune" -s V -l version -d 'Print version'
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l health-url -d 'Also GET the app\'s health endpoint and require "cache": "connected"' -r
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l sample -d 'How long to watch the server for the latency and evictions figures, e.g. 10s for a longer look' -r
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -s u -l url -d 'redis://, rediss://, unix:// or redis+sentinel:// URL; overrides host, port, db, user and password [env: REDIS_URL]' -r
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -s h -s H -l host -d 'Host name or address [default: localhost] [env: REDIS_HOST]' -r
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -s p -l port -d 'TCP port [default: 6379] [env: REDIS_PORT]' -r
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -s n -l db -d 'Database number [default: 0] [env: REDIS_DB]' -r
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l user -d 'ACL user name [env: REDIS_USERNAME]' -r
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -s a -l pass -d 'redis-cli\'s `-a PASSWORD`: recognised only to be refused with the ways that work' -r
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l cacert -d 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l cert -d 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l key -d 'The client certificate\'s private key (PEM) [env: REDIS_TLS_KEY]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -s s -l socket -d 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l sentinel-master -d 'Ask the Sentinel at --host/--port for this master and use it (or a redis+sentinel:// URL); the sentinels\' own password is REDIS_SENTINEL_PASSWORD [env: REDIS_SENTINEL_MASTER]' -r
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l timeout -d 'Connect and command timeout, e.g. 5s, 500ms' -r
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l env-file -d 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l color -d 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream\'s tty' -r -f -a "auto\t''
always\t''
never\t''"
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l help -d 'Print help (`imcache COMMAND --help` for one command)'
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l askpass -d 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file, then REDISCLI_AUTH; there is no password flag: `ps` shows every process\'s arguments to every user)'
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l tls -d 'Use TLS (implied by rediss://) [env: REDIS_TLS]'
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l cluster -d 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]'
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l insecure -d 'Skip TLS certificate verification (prints a warning)'
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -s q -l quiet -d 'Print only failures, warnings and the final line (verify: nothing when all is well)'
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -s v -l verbose -d 'Also print each round trip to Redis and each external command as it happens'
complete -c imcache -n "__fish_imcache_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c imcache -n "__fish_imcache_using_subcommand env" -l format -d 'Output format (--json is the same as --format json) [default: text]' -r -f -a "text\t'An aligned table with the source of each value'
env\t'KEY=value lines, as a .env file holds them (the password is never printed)'
json\t'One JSON document (--json is the same)'"
complete -c imcache -n "__fish_imcache_using_subcommand env" -s u -l url -d 'redis://, rediss://, unix:// or redis+sentinel:// URL; overrides host, port, db, user and password [env: REDIS_URL]' -r
complete -c imcache -n "__fish_imcache_using_subcommand env" -s h -s H -l host -d 'Host name or address [default: localhost] [env: REDIS_HOST]' -r
complete -c imcache -n "__fish_imcache_using_subcommand env" -s p -l port -d 'TCP port [default: 6379] [env: REDIS_PORT]' -r
complete -c imcache -n "__fish_imcache_using_subcommand env" -s n -l db -d 'Database number [default: 0] [env: REDIS_DB]' -r
complete -c imcache -n "__fish_imcache_using_subcommand env" -l user -d 'ACL user name [env: REDIS_USERNAME]' -r
complete -c imcache -n "__fish_imcache_using_subcommand env" -s a -l pass -d 'redis-cli\'s `-a PASSWORD`: recognised only to be refused with the ways that work' -r
complete -c imcache -n "__fish_imcache_using_subcommand env" -l cacert -d 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand env" -l cert -d 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand env" -l key -d 'The client certificate\'s private key (PEM) [env: REDIS_TLS_KEY]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand env" -s s -l socket -d 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand env" -l sentinel-master -d 'Ask the Sentinel at --host/--port for this master and use it (or a redis+sentinel:// URL); the sentinels\' own password is REDIS_SENTINEL_PASSWORD [env: REDIS_SENTINEL_MASTER]' -r
complete -c imcache -n "__fish_imcache_using_subcommand env" -l timeout -d 'Connect and command timeout, e.g. 5s, 500ms' -r
complete -c imcache -n "__fish_imcache_using_subcommand env" -l env-file -d 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand env" -l color -d 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream\'s tty' -r -f -a "auto\t''
always\t''
never\t''"
complete -c imcache -n "__fish_imcache_using_subcommand env" -l help -d 'Print help (`imcache COMMAND --help` for one command)'
complete -c imcache -n "__fish_imcache_using_subcommand env" -l askpass -d 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file, then REDISCLI_AUTH; there is no password flag: `ps` shows every process\'s arguments to every user)'
complete -c imcache -n "__fish_imcache_using_subcommand env" -l tls -d 'Use TLS (implied by rediss://) [env: REDIS_TLS]'
complete -c imcache -n "__fish_imcache_using_subcommand env" -l cluster -d 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]'
complete -c imcache -n "__fish_imcache_using_subcommand env" -l insecure -d 'Skip TLS certificate verification (prints a warning)'
complete -c imcache -n "__fish_imcache_using_subcommand env" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c imcache -n "__fish_imcache_using_subcommand env" -s q -l quiet -d 'Print only failures, warnings and the final line (verify: nothing when all is well)'
complete -c imcache -n "__fish_imcache_using_subcommand env" -s v -l verbose -d 'Also print each round trip to Redis and each external command as it happens'
complete -c imcache -n "__fish_imcache_using_subcommand env" -s V -l version -d 'Print version'
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l match -d 'Only keys matching this glob (Redis syntax, as SCAN MATCH takes it), e.g. \'user:*\'' -r
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l policy -d 'The policy file [default: ./imcache.toml, else the built-in L1-L4 tiers] [env: IMCACHE_POLICY]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l sample -d 'Stop after N keys and extrapolate with DBSIZE (the report says so, with the margin)' -r
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l max-time -d 'Stop after this long (e.g. 30s, 5m) and extrapolate, as --sample does' -r
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l rate -d 'At most OPS commands per second to the server (SCAN, PTTL, MEMORY USAGE, PING)' -r
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l fail-on -d 'When to exit 1' -r -f -a "violations\t'Exit 1 when a finding violates the policy (keys without TTL, TTLs outside their tier, keys that match no pattern)'
none\t'Only report; exit 0 whatever was found'"
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l format -d 'Output format (--json is the same as --format json)' -r -f -a "table\t''
json\t''
prometheus\t''"
complete -c imcache -n "__fish_imcache_using_subcommand keys" -s u -l url -d 'redis://, rediss://, unix:// or redis+sentinel:// URL; overrides host, port, db, user and password [env: REDIS_URL]' -r
complete -c imcache -n "__fish_imcache_using_subcommand keys" -s h -s H -l host -d 'Host name or address [default: localhost] [env: REDIS_HOST]' -r
complete -c imcache -n "__fish_imcache_using_subcommand keys" -s p -l port -d 'TCP port [default: 6379] [env: REDIS_PORT]' -r
complete -c imcache -n "__fish_imcache_using_subcommand keys" -s n -l db -d 'Database number [default: 0] [env: REDIS_DB]' -r
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l user -d 'ACL user name [env: REDIS_USERNAME]' -r
complete -c imcache -n "__fish_imcache_using_subcommand keys" -s a -l pass -d 'redis-cli\'s `-a PASSWORD`: recognised only to be refused with the ways that work' -r
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l cacert -d 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l cert -d 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l key -d 'The client certificate\'s private key (PEM) [env: REDIS_TLS_KEY]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand keys" -s s -l socket -d 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l sentinel-master -d 'Ask the Sentinel at --host/--port for this master and use it (or a redis+sentinel:// URL); the sentinels\' own password is REDIS_SENTINEL_PASSWORD [env: REDIS_SENTINEL_MASTER]' -r
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l timeout -d 'Connect and command timeout, e.g. 5s, 500ms' -r
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l env-file -d 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l color -d 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream\'s tty' -r -f -a "auto\t''
always\t''
never\t''"
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l init-policy -d 'Write a draft imcache.toml (or --policy PATH) from a sample of the live keyspace, for a person to confirm; an existing file is never overwritten'
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l help -d 'Print help (`imcache COMMAND --help` for one command)'
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l askpass -d 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file, then REDISCLI_AUTH; there is no password flag: `ps` shows every process\'s arguments to every user)'
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l tls -d 'Use TLS (implied by rediss://) [env: REDIS_TLS]'
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l cluster -d 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]'
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l insecure -d 'Skip TLS certificate verification (prints a warning)'
complete -c imcache -n "__fish_imcache_using_subcommand keys" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c imcache -n "__fish_imcache_using_subcommand keys" -s q -l quiet -d 'Print only failures, warnings and the final line (verify: nothing when all is well)'
complete -c imcache -n "__fish_imcache_using_subcommand keys" -s v -l verbose -d 'Also print each round trip to Redis and each external command as it happens'
complete -c imcache -n "__fish_imcache_using_subcommand keys" -s V -l version -d 'Print version'
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l policy -d 'The policy file that says which tier each key belongs to [default: ./imcache.toml, else the built-in L1-L4 tiers] [env: IMCACHE_POLICY]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -s u -l url -d 'redis://, rediss://, unix:// or redis+sentinel:// URL; overrides host, port, db, user and password [env: REDIS_URL]' -r
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -s h -s H -l host -d 'Host name or address [default: localhost] [env: REDIS_HOST]' -r
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -s p -l port -d 'TCP port [default: 6379] [env: REDIS_PORT]' -r
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -s n -l db -d 'Database number [default: 0] [env: REDIS_DB]' -r
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l user -d 'ACL user name [env: REDIS_USERNAME]' -r
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -s a -l pass -d 'redis-cli\'s `-a PASSWORD`: recognised only to be refused with the ways that work' -r
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l cacert -d 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l cert -d 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l key -d 'The client certificate\'s private key (PEM) [env: REDIS_TLS_KEY]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -s s -l socket -d 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l sentinel-master -d 'Ask the Sentinel at --host/--port for this master and use it (or a redis+sentinel:// URL); the sentinels\' own password is REDIS_SENTINEL_PASSWORD [env: REDIS_SENTINEL_MASTER]' -r
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l timeout -d 'Connect and command timeout, e.g. 5s, 500ms' -r
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l env-file -d 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l color -d 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream\'s tty' -r -f -a "auto\t''
always\t''
never\t''"
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l help -d 'Print help (`imcache COMMAND --help` for one command)'
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l askpass -d 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file, then REDISCLI_AUTH; there is no password flag: `ps` shows every process\'s arguments to every user)'
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l tls -d 'Use TLS (implied by rediss://) [env: REDIS_TLS]'
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l cluster -d 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]'
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l insecure -d 'Skip TLS certificate verification (prints a warning)'
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -s q -l quiet -d 'Print only failures, warnings and the final line (verify: nothing when all is well)'
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -s v -l verbose -d 'Also print each round trip to Redis and each external command as it happens'
complete -c imcache -n "__fish_imcache_using_subcommand inspect" -s V -l version -d 'Print version'
complete -c imcache -n "__fish_imcache_using_subcommand completions" -s u -l url -d 'redis://, rediss://, unix:// or redis+sentinel:// URL; overrides host, port, db, user and password [env: REDIS_URL]' -r
complete -c imcache -n "__fish_imcache_using_subcommand completions" -s h -s H -l host -d 'Host name or address [default: localhost] [env: REDIS_HOST]' -r
complete -c imcache -n "__fish_imcache_using_subcommand completions" -s p -l port -d 'TCP port [default: 6379] [env: REDIS_PORT]' -r
complete -c imcache -n "__fish_imcache_using_subcommand completions" -s n -l db -d 'Database number [default: 0] [env: REDIS_DB]' -r
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l user -d 'ACL user name [env: REDIS_USERNAME]' -r
complete -c imcache -n "__fish_imcache_using_subcommand completions" -s a -l pass -d 'redis-cli\'s `-a PASSWORD`: recognised only to be refused with the ways that work' -r
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l cacert -d 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l cert -d 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l key -d 'The client certificate\'s private key (PEM) [env: REDIS_TLS_KEY]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand completions" -s s -l socket -d 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l sentinel-master -d 'Ask the Sentinel at --host/--port for this master and use it (or a redis+sentinel:// URL); the sentinels\' own password is REDIS_SENTINEL_PASSWORD [env: REDIS_SENTINEL_MASTER]' -r
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l timeout -d 'Connect and command timeout, e.g. 5s, 500ms' -r
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l env-file -d 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l color -d 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream\'s tty' -r -f -a "auto\t''
always\t''
never\t''"
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l help -d 'Print help (`imcache COMMAND --help` for one command)'
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l askpass -d 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file, then REDISCLI_AUTH; there is no password flag: `ps` shows every process\'s arguments to every user)'
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l tls -d 'Use TLS (implied by rediss://) [env: REDIS_TLS]'
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l cluster -d 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]'
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l insecure -d 'Skip TLS certificate verification (prints a warning)'
complete -c imcache -n "__fish_imcache_using_subcommand completions" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c imcache -n "__fish_imcache_using_subcommand completions" -s q -l quiet -d 'Print only failures, warnings and the final line (verify: nothing when all is well)'
complete -c imcache -n "__fish_imcache_using_subcommand completions" -s v -l verbose -d 'Also print each round trip to Redis and each external command as it happens'
complete -c imcache -n "__fish_imcache_using_subcommand completions" -s V -l version -d 'Print version'
complete -c imcache -n "__fish_imcache_using_subcommand man" -s u -l url -d 'redis://, rediss://, unix:// or redis+sentinel:// URL; overrides host, port, db, user and password [env: REDIS_URL]' -r
complete -c imcache -n "__fish_imcache_using_subcommand man" -s h -s H -l host -d 'Host name or address [default: localhost] [env: REDIS_HOST]' -r
complete -c imcache -n "__fish_imcache_using_subcommand man" -s p -l port -d 'TCP port [default: 6379] [env: REDIS_PORT]' -r
complete -c imcache -n "__fish_imcache_using_subcommand man" -s n -l db -d 'Database number [default: 0] [env: REDIS_DB]' -r
complete -c imcache -n "__fish_imcache_using_subcommand man" -l user -d 'ACL user name [env: REDIS_USERNAME]' -r
complete -c imcache -n "__fish_imcache_using_subcommand man" -s a -l pass -d 'redis-cli\'s `-a PASSWORD`: recognised only to be refused with the ways that work' -r
complete -c imcache -n "__fish_imcache_using_subcommand man" -l cacert -d 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand man" -l cert -d 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand man" -l key -d 'The client certificate\'s private key (PEM) [env: REDIS_TLS_KEY]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand man" -s s -l socket -d 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand man" -l sentinel-master -d 'Ask the Sentinel at --host/--port for this master and use it (or a redis+sentinel:// URL); the sentinels\' own password is REDIS_SENTINEL_PASSWORD [env: REDIS_SENTINEL_MASTER]' -r
complete -c imcache -n "__fish_imcache_using_subcommand man" -l timeout -d 'Connect and command timeout, e.g. 5s, 500ms' -r
complete -c imcache -n "__fish_imcache_using_subcommand man" -l env-file -d 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]' -r -F
complete -c imcache -n "__fish_imcache_using_subcommand man" -l color -d 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream\'s tty' -r -f -a "auto\t''
always\t''
never\t''"
complete -c imcache -n "__fish_imcache_using_subcommand man" -l help -d 'Print help (`imcache COMMAND --help` for one command)'
complete -c imcache -n "__fish_imcache_using_subcommand man" -l askpass -d 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file, then REDISCLI_AUTH; there is no password flag: `ps` shows every process\'s arguments to every user)'
complete -c imcache -n "__fish_imcache_using_subcommand man" -l tls -d 'Use TLS (implied by rediss://) [env: REDIS_TLS]'
complete -c imcache -n "__fish_imcache_using_subcommand man" -l cluster -d 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]'
complete -c imcache -n "__fish_imcache_using_subcommand man" -l insecure -d 'Skip TLS certificate verification (prints a warning)'
complete -c imcache -n "__fish_imcache_using_subcommand man" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c imcache -n "__fish_imcache_using_subcommand man" -s q -l quiet -d 'Print only failures, warnings and the final line (verify: nothing when all is well)'
complete -c imcache -n "__fish_imcache_using_subcommand man" -s v -l verbose -d 'Also print each round trip to Redis and each external command as it happens'
complete -c imcache -n "__fish_imcache_using_subcommand man" -s V -l version -d 'Print version'
complete -c imcache -n "__fish_imcache_using_subcommand help; and not __fish_seen_subcommand_from setup verify metrics tune doctor env keys inspect completions man help" -f -a "setup" -d 'Install and start Redis (docker, brew, apt or a cloud URL), verify it, write .env'
complete -c imcache -n "__fish_imcache_using_subcommand help; and not __fish_seen_subcommand_from setup verify metrics tune doctor env keys inspect completions man help" -f -a "verify" -d 'Prove the cache works: PING, SET/GET a JSON value with a TTL, clean up (the CI step)'
complete -c imcache -n "__fish_imcache_using_subcommand help; and not __fish_seen_subcommand_from setup verify metrics tune doctor env keys inspect completions man help" -f -a "metrics" -d 'Hit rate, memory, evictions, clients ... once, live, or for Prometheus'
complete -c imcache -n "__fish_imcache_using_subcommand help; and not __fish_seen_subcommand_from setup verify metrics tune doctor env keys inspect completions man help" -f -a "tune" -d 'Write maxmemory, maxmemory-policy and save rules to redis.conf and/or the live server'
complete -c imcache -n "__fish_imcache_using_subcommand help; and not __fish_seen_subcommand_from setup verify metrics tune doctor env keys inspect completions man help" -f -a "doctor" -d 'Diagnose: every check, a verdict and the command that fixes each finding'
complete -c imcache -n "__fish_imcache_using_subcommand help; and not __fish_seen_subcommand_from setup verify metrics tune doctor env keys inspect completions man help" -f -a "env" -d 'Show the resolved connection settings and where each came from (password masked)'
complete -c imcache -n "__fish_imcache_using_subcommand help; and not __fish_seen_subcommand_from setup verify metrics tune doctor env keys inspect completions man help" -f -a "keys" -d 'Check the cache policy (L1-L4 tiers, imcache.toml) against the live keyspace, via SCAN'
complete -c imcache -n "__fish_imcache_using_subcommand help; and not __fish_seen_subcommand_from setup verify metrics tune doctor env keys inspect completions man help" -f -a "inspect" -d 'One or more keys: type, TTL and tier fit, memory, encoding, a bounded preview'
complete -c imcache -n "__fish_imcache_using_subcommand help; and not __fish_seen_subcommand_from setup verify metrics tune doctor env keys inspect completions man help" -f -a "completions" -d 'Print shell completions'
complete -c imcache -n "__fish_imcache_using_subcommand help; and not __fish_seen_subcommand_from setup verify metrics tune doctor env keys inspect completions man help" -f -a "man" -d 'Print a man page (roff): `imcache man verify | man -l -`'
complete -c imcache -n "__fish_imcache_using_subcommand help; and not __fish_seen_subcommand_from setup verify metrics tune doctor env keys inspect completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
