# lambda_status: Prometheus text exposition of the counters, shared by the
# workers, moving as calls are made.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
master_on();
workers(2);

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location /api/lambda/ {
        lambda_gateway on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }

    location = /lambda-status {
        lambda_status;
    }
_EOC_
    }

    if (!defined $block->no_error_log) {
        $block->set_value("no_error_log", "[alert]\n[crit]\n[emerg]\n");
    }
});

run_tests();

__DATA__

=== TEST 1: the exposition format and its content type
--- request
GET /lambda-status
--- error_code: 200
--- response_headers
Content-Type: text/plain; version=0.0.4
--- response_body_like
^# HELP nginx_lambda_requests_total .*
# TYPE nginx_lambda_requests_total counter
nginx_lambda_requests_total\{operation="list_functions",outcome="passed"\} 0
.*# TYPE nginx_lambda_redis_latency_seconds histogram
.*nginx_lambda_redis_latency_seconds_bucket\{le="\+Inf"\} 0
nginx_lambda_redis_latency_seconds_sum 0\.000000
nginx_lambda_redis_latency_seconds_count 0
.*$



=== TEST 2: counters move as calls are made
--- pipelined_requests eval
["GET /api/lambda/functions",
 "GET /api/lambda/requests?org=a&org_id=1",
 "PUT /api/lambda/requests",
 "GET /lambda-status"]
--- more_headers
Authorization: Token abc
--- error_code eval
[200, 400, 405, 200]
--- response_body_like eval
["upstream", "You cannot specify", "not allowed",
 qr/nginx_lambda_requests_total\{operation="list_functions",outcome="passed"\} 1\n.*nginx_lambda_requests_total\{operation="list_requests",outcome="rejected"\} 1\n.*nginx_lambda_rejections_total\{reason="organization"\} 1\nnginx_lambda_rejections_total\{reason="method"\} 1\n/s]



=== TEST 3: rejections by reason, a 401 and a 415
--- pipelined_requests eval
["GET /api/lambda/functions",
 "POST /api/lambda/requests\n{}",
 "GET /lambda-status"]
--- more_headers eval
["", "Authorization: Token abc\nContent-Type: text/plain", ""]
--- error_code eval
[401, 415, 200]
--- response_body_like eval
["credentials", "Unsupported", qr/nginx_lambda_requests_total\{operation="list_functions",outcome="rejected"\} 1\n.*nginx_lambda_requests_total\{operation="create_requests",outcome="rejected"\} 1\n.*nginx_lambda_rejections_total\{reason="credentials"\} 1\n.*nginx_lambda_rejections_total\{reason="media_type"\} 1\n/s]



=== TEST 4: the counters are shared by the two workers
--- request eval
["GET /api/lambda/requests/1", "GET /api/lambda/requests/2",
 "GET /api/lambda/requests/3", "GET /api/lambda/requests/4",
 "GET /lambda-status"]
--- more_headers
Authorization: Token abc
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body_like eval
["upstream", "upstream", "upstream", "upstream",
 qr/nginx_lambda_requests_total\{operation="retrieve_requests",outcome="passed"\} 4\n/]



=== TEST 5: only GET and HEAD
--- request
POST /lambda-status
--- error_code: 405



=== TEST 6: lambda_status takes no arguments
--- config
    location = /lambda-status {
        lambda_status on;
    }
--- must_die
--- error_log
invalid number of arguments in "lambda_status" directive
--- no_error_log
[alert]
