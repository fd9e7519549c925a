# Redis down, slow or broken: fail=local decides in shared memory and marks
# DEGRADED, fail=open lets through, fail=closed answers 503; every request
# is answered within the Redis timeout plus a margin; each degradation is
# logged once at warn.  Fake Redis servers: one that is not there, one that
# never answers, one that answers garbage, one that closes mid-reply, one
# that answers the wrong type or an error.

use Test::Nginx::Socket 'no_plan';

no_shuffle();

# the Redis timeout; valgrind slows the first requests of a worker down
$ENV{TEST_NGINX_LIMIT_REDIS_TIMEOUT} =
    $ENV{TEST_NGINX_USE_VALGRIND} ? '1s' : '200ms';

add_block_preprocessor(sub {
    my $block = shift;

    my $fail = $block->fail // 'local';

    # "(continued)": the same nginx and the same fake Redis connection
    my $continued = $block->name =~ /\(continued\)$/;

    # valgrind runs restart nginx for every block: nothing to continue
    if ($continued) {
        $block->set_value("skip_eval", '1: $ENV{TEST_NGINX_USE_VALGRIND}');
    }

    if (!defined $block->http_config && !$continued) {
        $block->set_value("http_config", <<_EOC_);
    lambda_redis       127.0.0.1:\$TEST_NGINX_RAND_PORT_1
                       timeout=\$TEST_NGINX_LIMIT_REDIS_TIMEOUT
                       connect_timeout=200ms max_fails=3 fail_timeout=1s;
    lambda_limit_zone  jobs:64k rate=1r/m burst=1 backend=redis fail=$fail;
_EOC_
    }

    if (!defined $block->config && !$continued) {
        $block->set_value("config", <<'_EOC_');
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   jobs;
        add_header X-Limit "[$lambda_limit_status] [$lambda_limit_remaining]" always;
        add_header X-Reason "[$lambda_reject_reason]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
_EOC_
    }

    if (!defined $block->more_headers) {
        $block->set_value("more_headers", "Authorization: Token abc\n");
    }

    if (!defined $block->timeout) {
        # the Redis timeout plus a margin (x3 under valgrind)
        $block->set_value("timeout",
                          $ENV{TEST_NGINX_USE_VALGRIND} ? "1.5" : "0.6");
    }

    if (!defined $block->no_error_log) {
        $block->set_value("no_error_log", "[alert]\n[crit]\n[emerg]\n");
    }
});

run_tests();

__DATA__

=== TEST 1: Redis is not there: fail=local decides in shared memory
--- request
GET /api/lambda/functions?org=a
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
RateLimit: "jobs";r=1;t=60;pk=:YQ==:
--- error_log eval
qr/\[warn\] .*lambda_redis "127.0.0.1:\d+" is unavailable \(Connection refused\), rate limits are degraded/



=== TEST 2: the same policy, logged once (continued)
--- request eval
["GET /api/lambda/functions?org=a", "GET /api/lambda/functions?org=a",
 "GET /api/lambda/functions?org=b"]
--- error_code eval
[200, 429, 200]
--- response_headers eval
["X-Limit: [DEGRADED] [0]", "X-Limit: [REJECTED] [0]\nRetry-After: 60",
 "X-Limit: [DEGRADED] [1]"]
--- no_error_log
is unavailable
[alert]
[crit]



=== TEST 3: Redis is not there: fail=open lets through
--- fail: open
--- request eval
["GET /api/lambda/functions?org=a", "GET /api/lambda/functions?org=a",
 "GET /api/lambda/functions?org=a"]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Limit: [DEGRADED] []\nRateLimit-Policy: \"jobs\";q=2;w=120;pk=:YQ==:\n!RateLimit",
 "X-Limit: [DEGRADED] []", "X-Limit: [DEGRADED] []"]



=== TEST 4: Redis is not there: fail=closed answers 503
--- fail: closed
--- request
GET /api/lambda/functions?org=a
--- error_code: 503
--- response_headers
X-Limit: [DEGRADED] []
X-Reason: [limit_unavailable]
Retry-After: 1
Content-Type: application/vnd.cvat+json
--- response_body chomp
{"detail":"Rate limit service unavailable."}
--- error_log
lambda gateway rejected "list_functions" with 503, reason "limit_unavailable"



=== TEST 5: Redis never answers: a request waits the timeout, no more
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply_delay: 10s
--- tcp_reply
+OK
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a5
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
--- error_log
is unavailable (timed out), rate limits are degraded



=== TEST 6: the next ones too, logged once (continued)
--- request eval
["GET /api/lambda/functions?org=a5", "GET /api/lambda/functions?org=a5"]
--- error_code eval
[200, 429]
--- response_headers eval
["X-Limit: [DEGRADED] [0]", "X-Limit: [REJECTED] [0]"]
--- no_error_log
is unavailable
[alert]
[crit]



=== TEST 7: after max_fails timeouts the breaker opens: no waiting at all
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply_delay: 10s
--- tcp_reply
+OK
--- tcp_no_close: 1
--- request eval
["GET /api/lambda/functions?org=a7", "GET /api/lambda/functions?org=b7",
 "GET /api/lambda/functions?org=c7", "GET /api/lambda/functions?org=d7",
 "GET /api/lambda/functions?org=e7", "GET /api/lambda/functions?org=f7"]
--- error_code eval
[200, 200, 200, 200, 200, 200]
--- response_headers eval
[("X-Limit: [DEGRADED] [1]") x 6]
--- log_level: debug
--- grep_error_log eval
qr/lambda redis breaker open for \d+ ms/
--- grep_error_log_out eval
qr/^(lambda redis breaker open for \d+ ms\n)?$/



=== TEST 8: Redis answers garbage: the protocol error ends the connection
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply
garbage, not RESP
--- request
GET /api/lambda/functions?org=a8
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
--- error_log eval
qr/lambda_redis "127.0.0.1:\d+" is unavailable \(Protocol error[^)]*\)/



=== TEST 9: Redis closes in the middle of a reply
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"+OK\r\n\$23\r\n1 17000"
--- request
GET /api/lambda/functions?org=a9
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
--- error_log eval
qr/lambda_redis "127.0.0.1:\d+" is unavailable/



=== TEST 10: Redis answers the wrong type
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"+OK\r\n\$3\r\nabc\r\n"
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a10
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
--- error_log
is unavailable (unexpected reply), rate limits are degraded



=== TEST 11: Redis answers an error
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"+OK\r\n-OOM command not allowed when used memory > 'maxmemory'.\r\n"
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a11
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
--- error_log
is unavailable (error reply "OOM command not allowed



=== TEST 12: fail=closed while Redis never answers: 503 after the timeout
--- fail: closed
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply_delay: 10s
--- tcp_reply
+OK
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a12
--- error_code: 503
--- response_headers
X-Reason: [limit_unavailable]
Retry-After: 1
--- response_body chomp
{"detail":"Rate limit service unavailable."}



=== TEST 13: AUTH with a username, SELECT, then the script, in one write
--- http_config
    lambda_redis       127.0.0.1:$TEST_NGINX_RAND_PORT_1
                       timeout=$TEST_NGINX_LIMIT_REDIS_TIMEOUT
                       username=gw password=s3cret db=3;
    lambda_limit_zone  jobs:64k rate=1r/m burst=1 backend=redis;
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_no_close: 1
--- tcp_reply eval
sub {
    my $q = shift;
    return "-ERR unexpected\r\n" x 4
        unless $q =~ /^\*3\r\n\$4\r\nAUTH\r\n\$2\r\ngw\r\n\$6\r\ns3cret\r\n\*2\r\n\$6\r\nSELECT\r\n\$1\r\n3\r\n\*3\r\n\$6\r\nSCRIPT\r\n\$4\r\nLOAD\r\n/s
               && $q =~ /\*8\r\n\$7\r\nEVALSHA\r\n\$40\r\n[0-9a-f]{40}\r\n\$1\r\n1\r\n\$18\r\nlambda:jobs:\{acme\}\r\n\$8\r\n60000000\r\n\$9\r\n120000000\r\n\$1\r\n\+\r\n\$1\r\n1\r\n$/s;
    # an empty bucket: admitted, 60 s of it used after
    return "+OK\r\n+OK\r\n\$40\r\n" . ("0" x 40) . "\r\n:0\r\n";
}
--- request
GET /api/lambda/functions?org=acme
--- error_code: 200
--- response_headers
X-Limit: [PASSED] [1]
RateLimit: "jobs";r=1;t=60;pk=:YWNtZQ==:
--- no_error_log
[warn]
[error]
[alert]



=== TEST 14: a wrong password is an error, then the fallback
--- http_config
    lambda_redis       127.0.0.1:$TEST_NGINX_RAND_PORT_1
                       timeout=$TEST_NGINX_LIMIT_REDIS_TIMEOUT password=wrong;
    lambda_limit_zone  jobs:64k rate=1r/m burst=1 backend=redis;
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_no_close: 1
--- tcp_reply eval
"-WRONGPASS invalid username-password pair or user is disabled.\r\n-NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n"
--- request
GET /api/lambda/functions?org=acme
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
--- error_log
lambda_redis "127.0.0.1:
AUTH failed: WRONGPASS invalid username-password pair



=== TEST 15: a client that goes away while Redis is silent leaves nothing behind
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply_delay: 10s
--- tcp_reply
+OK
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=gone
--- timeout: 0.05
--- abort
--- ignore_response
--- wait: 0.5
--- error_log
client prematurely closed connection
--- no_error_log
[alert]
[crit]
lambda limit resume



=== TEST 16: a reply larger than the input buffer (16k) is read whole
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"\$40000\r\n" . ("x" x 40000) . "\r\n:0\r\n"
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a16
--- error_code: 200
--- response_headers
X-Limit: [PASSED] [1]
--- no_error_log
[warn]
[error]
[alert]



=== TEST 17: nested arrays and nil are skipped whole: the replies stay in step
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"*3\r\n*2\r\n\$-1\r\n+OK\r\n*-1\r\n\$3\r\nabc\r\n:0\r\n"
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a17
--- error_code: 200
--- response_headers
X-Limit: [PASSED] [1]
--- no_error_log
[warn]
[error]
[alert]



=== TEST 18: a reply nothing was asked for ends the connection
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"+OK\r\n:0\r\n:1\r\n"
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a18
--- error_code: 200
--- response_headers
X-Limit: [PASSED] [1]
--- error_log
is unavailable (Protocol error, a reply without a command)



=== TEST 19: an integer that is not one
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"+OK\r\n:6000x000\r\n"
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a19
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
--- error_log
is unavailable (Bad integer value)



=== TEST 20: a bulk string longer than any reply may be: no waiting for it
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"\$99999999999\r\n"
--- tcp_no_close: 1
--- timeout eval
$ENV{TEST_NGINX_USE_VALGRIND} ? 1.5 : 0.1
--- request
GET /api/lambda/functions?org=a20
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
--- error_log
is unavailable (Protocol error, a reply larger than 1m)



=== TEST 21: an integer too large for 64 bits
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"+OK\r\n:9223372036854775808\r\n"
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a21
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
--- error_log
is unavailable (Bad integer value)



=== TEST 22: a line that never ends is not awaited beyond the cap (1m)
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"+OK\r\n-" . ("x" x (1024 * 1024 + 4096))
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a22
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
--- error_log
is unavailable (Protocol error, a reply larger than 1m)
--- no_error_log
[alert]



=== TEST 23: nested arrays deeper than the reader goes end the connection
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"+OK\r\n" . ("*1\r\n" x 9) . ":1\r\n"
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a23
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
--- error_log
is unavailable (No support for nested multi bulk replies with depth > 7)
--- no_error_log
[alert]



=== TEST 24: the script's answer: an array of one integer per command
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"+OK\r\n*1\r\n:0\r\n"
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a24
--- error_code: 200
--- response_headers
X-Limit: [PASSED] [1]
--- no_error_log
[warn]
[error]
[alert]



=== TEST 25: an array of another length than the batch: nobody's answer
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"+OK\r\n*2\r\n:60000000\r\n:60000000\r\n"
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a25
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
--- error_log
is unavailable (unexpected reply), rate limits are degraded
--- no_error_log
[alert]



=== TEST 26: an error in the place of one command's answer
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply eval
"+OK\r\n*1\r\n-ERR the bucket of this key is broken\r\n"
--- tcp_no_close: 1
--- request
GET /api/lambda/functions?org=a26
--- error_code: 200
--- response_headers
X-Limit: [DEGRADED] [1]
--- error_log
is unavailable (error reply "ERR the bucket of this key is broken")
--- no_error_log
[alert]
