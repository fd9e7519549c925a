# Self-test of the test harness (t/lib/Test/Nginx/Socket.pm): stock nginx
# plus Debian's echo module only.  It also runs under openresty's
# Test::Nginx::Socket, which is the point: same files, same verdicts.

use Test::Nginx::Socket;

my $echo_so = '/usr/lib/nginx/modules/ngx_http_echo_module.so';
my $echo_preloaded = ($ENV{TEST_NGINX_LOAD_MODULES} // '') =~ /ngx_http_echo_module/;

if (!$echo_preloaded && !-f $echo_so) {
    plan skip_all => "needs $echo_so (Debian package libnginx-mod-http-echo)";
}
plan 'no_plan';

# Load the echo module unless TEST_NGINX_LOAD_MODULES already does.
add_block_preprocessor(sub {
    my $block = shift;
    return if $echo_preloaded;
    $block->set_value(main_config =>
        "load_module $echo_so;\n" . ($block->main_config // ''));
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: sanity: echo, default status, headers, body
--- config
    location = /echo {
        echo hello;
    }
--- request
GET /echo
--- response_headers
Content-Type: text/plain
!X-Not-There
--- response_body
hello
--- no_error_log
[error]
[alert]



=== TEST 2: mock upstream on a random port, proxy_pass, header checks
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            add_header X-Upstream mock;
            return 200 "from upstream $uri\n";
        }
    }
--- config
    location /up/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
        proxy_hide_header X-Upstream;
        add_header X-Proxied yes;
    }
--- request
GET /up/thing
--- response_headers
X-Proxied: yes
!X-Upstream
Content-Length: 21
--- response_body
from upstream /thing



=== TEST 3: $TEST_NGINX_SERVER_PORT: proxy to ourselves
--- config
    location = /inner {
        return 200 "inner\n";
    }
    location = /outer {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/inner;
    }
--- request
GET /outer
--- response_body
inner



=== TEST 4: request body (trimmed, Content-Length added) and more_headers
--- config
    location = /body {
        echo_read_request_body;
        echo "len=$http_content_length foo=$http_x_foo host=$http_host";
        echo_request_body;
    }
--- more_headers
X-Foo: bar
--- request
POST /body
  hello world

--- response_body chomp
len=11 foo=bar host=localhost
hello world



=== TEST 5: raw_request, chunked request body in several writes
--- config
    location = /body {
        echo_read_request_body;
        echo_request_body;
    }
--- raw_request eval
["POST /body HTTP/1.1\r
Host: localhost\r
Connection: close\r
Transfer-Encoding: chunked\r
\r
", "5\r\nhello\r\n", "6\r\n world\r\n0\r\n\r\n"]
--- raw_request_middle_delay: 0.05
--- response_headers
Transfer-Encoding: chunked
--- response_body chomp
hello world



=== TEST 6: request eval with packets and delay_before
--- config
    location = /body {
        echo_read_request_body;
        echo_request_body;
    }
--- request eval
[["POST /body\nhel", {value => "lo", delay_before => 0.1}]]
--- response_body chomp
hello



=== TEST 7: pipelined requests on one keep-alive connection
--- config
    location /p {
        add_header X-Nth $connection_requests;
        echo "uri=$uri nth=$connection_requests";
    }
--- pipelined_requests eval
["GET /p1", "GET /p2"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Nth: 1", "X-Nth: 2"]
--- response_body eval
["uri=/p1 nth=1\n", "uri=/p2 nth=2\n"]
--- no_error_log
[error]



=== TEST 8: several requests, error_code and body arrays
--- config
    location = /a {
        echo a;
    }
--- request eval
["GET /a", "GET /nope-harness.html"]
--- error_code eval
[200, 404]
--- response_body_like eval
["^a\n\\z", "404 Not Found"]



=== TEST 9: error_code_like and response_headers_like
--- config
--- request
GET /missing-harness.html
--- error_code_like: ^40[34]$
--- response_headers_like
Content-Type: text/.*
Server: nginx(/[\d.]+)?



=== TEST 10: HEAD and 204 responses carry no body
--- config
    location = /head {
        return 200 "hello\n";
    }
--- request
HEAD /head
--- response_headers
Content-Length: 6
--- response_body



=== TEST 11: 204
--- config
    location = /nc {
        return 204;
    }
--- request
GET /nc
--- error_code: 204
--- response_body



=== TEST 12: error_log with substrings and an eval regex
--- config
--- request
GET /marker-one.html
--- error_code: 404
--- error_log eval
["marker-one.html", "No such file or directory",
 qr/open\(\) "[^"]+marker-one\.html" failed/]



=== TEST 13: only this block's part of the error log is checked
--- config
    location = /t {
        echo ok;
    }
--- request
GET /t
--- no_error_log eval
["marker-one.html", qr/\[(error|alert|crit)\]/]



=== TEST 14: grep_error_log picks the matching text, in order
--- config
    location = /g {
        echo_location /marker-a.html;
        echo_location /marker-b.html;
    }
--- request
GET /g
--- grep_error_log eval
qr/(?<=html\/)marker-[ab]\.html(?=" failed)/
--- grep_error_log_out
marker-a.html
marker-b.html



=== TEST 15: must_die with a bad directive
--- config
    bogus_harness_directive on;
--- must_die
--- error_log
unknown directive "bogus_harness_directive"



=== TEST 16: client timeout with abort keeps the partial response
--- config
    location = /slow {
        echo first;
        echo_flush;
        echo_sleep 3;
        echo second;
    }
--- request
GET /slow HTTP/1.0
--- timeout: 300ms
--- abort
--- response_body
first



=== TEST 17: wait lets late log lines land
--- config
    location = /late {
        echo_sleep 0.3;
        echo_location /late-marker.html;
    }
--- request
GET /late
--- timeout: 50ms
--- abort
--- ignore_response
--- wait: 1
--- error_log
late-marker.html



=== TEST 18: tcp_listen fake server: exact query and a fixed reply
--- config
    location = /tcp {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        proxy_set_header Host fake;
    }
--- request
GET /tcp
--- tcp_listen: $TEST_NGINX_RAND_PORT_2
--- tcp_query eval
"GET /tcp HTTP/1.0\r\nHost: fake\r\nConnection: close\r\n\r\n"
--- tcp_reply eval
"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nfaked\n"
--- response_body
faked



=== TEST 19: tcp_reply computed by a sub from the query
--- config
    location = /tcp {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        proxy_set_header Host fake;
    }
--- request
GET /tcp
--- tcp_listen: $TEST_NGINX_RAND_PORT_2
--- tcp_query_len: 52
--- tcp_reply eval
sub { my $q = shift; my ($m) = $q =~ /^(\w+)/; "HTTP/1.0 200 OK\r\n\r\nmethod=$m len=" . length($q) }
--- response_body chomp
method=GET len=52



=== TEST 20: a stalling fake server (tcp_reply_delay, tcp_no_close) makes nginx time out
--- config
    location = /tcp {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        proxy_read_timeout 200ms;
    }
--- request
GET /tcp
--- tcp_listen: $TEST_NGINX_RAND_PORT_2
--- tcp_reply_delay: 5
--- tcp_no_close
--- tcp_reply eval
"too late"
--- error_code: 504
--- error_log
upstream timed out



=== TEST 21: a fake server answering garbage (nginx relays it as HTTP/0.9)
--- config
    location = /tcp {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request
GET /tcp
--- tcp_listen: $TEST_NGINX_RAND_PORT_2
--- tcp_reply eval
"-ERR garbage\r\n"
--- error_code_like: ^$
--- error_log
upstream sent no valid HTTP/1.0 header



=== TEST 22: shutdown half-closes after sending; the answer still arrives
--- config
    location = /echo {
        echo hello;
    }
--- request
GET /echo
--- shutdown
--- response_body
hello



=== TEST 23: SKIP blocks are not run
--- SKIP
--- config
--- request
GET /
--- error_code: 999



=== TEST 24: skip_nginx skips by version
--- skip_nginx: 1: >= 0.1.0
--- config
--- request
GET /
--- error_code: 999



=== TEST 25: the default root location serves index.html
--- config
--- request
GET /
--- response_body_like: It works!
