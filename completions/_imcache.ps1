
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'imcache' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'imcache'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'imcache' {
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name [env: REDIS_USERNAME]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The client certificate''s private key (PEM) [env: REDIS_TLS_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Connect and command timeout, e.g. 5s, 500ms')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream''s tty')
            [CompletionResult]::new('--askpass', '--askpass', [CompletionResultType]::ParameterName, 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file; there is no --password flag: it would show in `ps`)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (implied by rediss://) [env: REDIS_TLS]')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (prints a warning)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Install and start Redis (docker, brew, apt or a cloud URL), verify it, write .env')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Prove the cache works: PING, SET/GET a JSON value with a TTL, clean up (the CI step)')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Hit rate, memory, evictions, clients ... once, live, or for Prometheus')
            [CompletionResult]::new('tune', 'tune', [CompletionResultType]::ParameterValue, 'Write maxmemory, maxmemory-policy and save rules to redis.conf and/or the live server')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Diagnose: every check, a verdict and the command that fixes each finding')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Show the resolved connection settings and where each came from (password masked)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'imcache;setup' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Docker container name')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Docker image')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'How long to wait for Redis to answer PING')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name [env: REDIS_USERNAME]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The client certificate''s private key (PEM) [env: REDIS_TLS_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Connect and command timeout, e.g. 5s, 500ms')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream''s tty')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every command that would run, one per line, and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed without a terminal)')
            [CompletionResult]::new('--expose', '--expose', [CompletionResultType]::ParameterName, 'Publish the container on all interfaces (then a password is required)')
            [CompletionResult]::new('--require-pass', '--require-pass', [CompletionResultType]::ParameterName, 'Require a password (REDIS_PASSWORD, --askpass, or a generated one)')
            [CompletionResult]::new('--no-env', '--no-env', [CompletionResultType]::ParameterName, 'Do not write the .env file')
            [CompletionResult]::new('--askpass', '--askpass', [CompletionResultType]::ParameterName, 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file; there is no --password flag: it would show in `ps`)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (implied by rediss://) [env: REDIS_TLS]')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (prints a warning)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imcache;verify' {
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Retry the connection until Redis answers or this much time has passed (e.g. 30s)')
            [CompletionResult]::new('--health-url', '--health-url', [CompletionResultType]::ParameterName, 'Also GET the app''s health endpoint and require "cache": "connected"')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'TTL in seconds of the test key')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name [env: REDIS_USERNAME]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The client certificate''s private key (PEM) [env: REDIS_TLS_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Connect and command timeout, e.g. 5s, 500ms')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream''s tty')
            [CompletionResult]::new('--askpass', '--askpass', [CompletionResultType]::ParameterName, 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file; there is no --password flag: it would show in `ps`)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (implied by rediss://) [env: REDIS_TLS]')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (prints a warning)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imcache;metrics' {
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Sample every SECS seconds (e.g. 2 or 0.5) and show the rates of each interval')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'With --watch: stop after N samples')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format (--json is the same as --format json)')
            [CompletionResult]::new('--app-url', '--app-url', [CompletionResultType]::ParameterName, 'Also read the app''s /cache/metrics and show it beside the server''s view')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name [env: REDIS_USERNAME]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The client certificate''s private key (PEM) [env: REDIS_TLS_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Connect and command timeout, e.g. 5s, 500ms')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream''s tty')
            [CompletionResult]::new('--askpass', '--askpass', [CompletionResultType]::ParameterName, 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file; there is no --password flag: it would show in `ps`)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (implied by rediss://) [env: REDIS_TLS]')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (prints a warning)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imcache;tune' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Edit this redis.conf in place (backup first, atomic write)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Starting values: prod keeps the guide''s snapshots, dev turns persistence off')
            [CompletionResult]::new('--maxmemory', '--maxmemory', [CompletionResultType]::ParameterName, 'Memory limit in Redis units: bytes, k, kb, m, mb, g, gb (1k = 1000, 1kb = 1024) [default: 256mb]')
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'Eviction policy [default: allkeys-lru]')
            [CompletionResult]::new('--save', '--save', [CompletionResultType]::ParameterName, 'Save rules as pairs of seconds and changes, e.g. "900 1 300 10 60 10000"')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name [env: REDIS_USERNAME]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The client certificate''s private key (PEM) [env: REDIS_TLS_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Connect and command timeout, e.g. 5s, 500ms')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream''s tty')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Apply to the running server with CONFIG SET (and CONFIG REWRITE when it has a config file)')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'No snapshots (save "")')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the diff and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Write without asking (needed without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Write without asking (needed without a terminal)')
            [CompletionResult]::new('--askpass', '--askpass', [CompletionResultType]::ParameterName, 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file; there is no --password flag: it would show in `ps`)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (implied by rediss://) [env: REDIS_TLS]')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (prints a warning)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imcache;doctor' {
            [CompletionResult]::new('--health-url', '--health-url', [CompletionResultType]::ParameterName, 'Also GET the app''s health endpoint and require "cache": "connected"')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name [env: REDIS_USERNAME]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The client certificate''s private key (PEM) [env: REDIS_TLS_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Connect and command timeout, e.g. 5s, 500ms')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream''s tty')
            [CompletionResult]::new('--askpass', '--askpass', [CompletionResultType]::ParameterName, 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file; there is no --password flag: it would show in `ps`)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (implied by rediss://) [env: REDIS_TLS]')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (prints a warning)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imcache;env' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name [env: REDIS_USERNAME]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The client certificate''s private key (PEM) [env: REDIS_TLS_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Connect and command timeout, e.g. 5s, 500ms')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream''s tty')
            [CompletionResult]::new('--askpass', '--askpass', [CompletionResultType]::ParameterName, 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file; there is no --password flag: it would show in `ps`)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (implied by rediss://) [env: REDIS_TLS]')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (prints a warning)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imcache;completions' {
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'redis:// or rediss:// URL; overrides host, port, db, user and password [env: REDIS_URL]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host name or address [default: localhost] [env: REDIS_HOST]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'TCP port [default: 6379] [env: REDIS_PORT]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database number [default: 0] [env: REDIS_DB]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name [env: REDIS_USERNAME]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The client certificate''s private key (PEM) [env: REDIS_TLS_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Connect to this unix socket instead of host and port [env: REDIS_SOCKET]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Connect and command timeout, e.g. 5s, 500ms')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream''s tty')
            [CompletionResult]::new('--askpass', '--askpass', [CompletionResultType]::ParameterName, 'Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the environment or the .env file; there is no --password flag: it would show in `ps`)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (implied by rediss://) [env: REDIS_TLS]')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is otherwise detected from INFO) [env: REDIS_CLUSTER]')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (prints a warning)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail: every step and every external command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imcache;help' {
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Install and start Redis (docker, brew, apt or a cloud URL), verify it, write .env')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Prove the cache works: PING, SET/GET a JSON value with a TTL, clean up (the CI step)')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Hit rate, memory, evictions, clients ... once, live, or for Prometheus')
            [CompletionResult]::new('tune', 'tune', [CompletionResultType]::ParameterValue, 'Write maxmemory, maxmemory-policy and save rules to redis.conf and/or the live server')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Diagnose: every check, a verdict and the command that fixes each finding')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Show the resolved connection settings and where each came from (password masked)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'imcache;help;setup' {
            break
        }
        'imcache;help;verify' {
            break
        }
        'imcache;help;metrics' {
            break
        }
        'imcache;help;tune' {
            break
        }
        'imcache;help;doctor' {
            break
        }
        'imcache;help;env' {
            break
        }
        'imcache;help;completions' {
            break
        }
        'imcache;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
