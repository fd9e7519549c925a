# Classification of the seven Lambda operations (contract 1), 405 answers,
# and paths the gateway passes through untouched.

use Test::Nginx::Socket 'no_plan';

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location /api/lambda/ {
        lambda_gateway on;
        add_header X-Op "[$lambda_operation]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        return 200 "upstream $request_method $request_uri\n";
    }
_EOC_
    }

    if (!defined $block->more_headers) {
        $block->set_value("more_headers", "Authorization: Token abc\n");
    }

    if (!defined $block->no_error_log) {
        $block->set_value("no_error_log", "[alert]\n[crit]\n[emerg]\n");
    }
});

run_tests();

__DATA__

=== TEST 1: GET functions is list_functions
--- request
GET /api/lambda/functions
--- error_code: 200
--- response_headers
X-Op: [list_functions]
--- response_body
upstream GET /mock/api/lambda/functions



=== TEST 2: HEAD functions is list_functions
--- request
HEAD /api/lambda/functions
--- error_code: 200
--- response_headers
X-Op: [list_functions]
--- response_body



=== TEST 3: GET functions/{id} is retrieve_functions
--- request
GET /api/lambda/functions/openvino-omz-public-yolo-v3-tf
--- error_code: 200
--- response_headers
X-Op: [retrieve_functions]
--- response_body
upstream GET /mock/api/lambda/functions/openvino-omz-public-yolo-v3-tf



=== TEST 4: a dot belongs to func_id: functions/foo.json is retrieve_functions
--- request
GET /api/lambda/functions/foo.json
--- error_code: 200
--- response_headers
X-Op: [retrieve_functions]
--- response_body
upstream GET /mock/api/lambda/functions/foo.json



=== TEST 5: POST functions/{id} is create_functions
--- request
POST /api/lambda/functions/pth-sam
{"task": 1, "frame": 0, "pos_points": [[1.5, 2.5]], "neg_points": []}
--- more_headers
Authorization: Token abc
Content-Type: application/json
--- error_code: 200
--- response_headers
X-Op: [create_functions]
--- response_body
upstream POST /mock/api/lambda/functions/pth-sam



=== TEST 6: POST requests is create_requests
--- request
POST /api/lambda/requests
{"function": "det", "task": 1}
--- more_headers
Authorization: Token abc
Content-Type: application/json
--- error_code: 200
--- response_headers
X-Op: [create_requests]
--- response_body
upstream POST /mock/api/lambda/requests



=== TEST 7: GET requests is list_requests
--- request
GET /api/lambda/requests?org=acme
--- error_code: 200
--- response_headers
X-Op: [list_requests]
--- response_body
upstream GET /mock/api/lambda/requests?org=acme



=== TEST 8: GET requests/{id} is retrieve_requests (base64 id with = and +)
--- request
GET /api/lambda/requests/cXVldWU9YW5+b3RhdGlvbg==
--- error_code: 200
--- response_headers
X-Op: [retrieve_requests]
--- response_body
upstream GET /mock/api/lambda/requests/cXVldWU9YW5+b3RhdGlvbg==



=== TEST 9: DELETE requests/{id} is delete_requests
--- request
DELETE /api/lambda/requests/cf343b95-afeb-475e-ab53-8d7e64991d30
--- error_code: 200
--- response_headers
X-Op: [delete_requests]
--- response_body
upstream DELETE /mock/api/lambda/requests/cf343b95-afeb-475e-ab53-8d7e64991d30



=== TEST 10: the format suffix .json on the list routes
--- request
GET /api/lambda/functions.json
--- error_code: 200
--- response_headers
X-Op: [list_functions]
--- response_body
upstream GET /mock/api/lambda/functions.json



=== TEST 11: the format suffix on a request id
--- request
GET /api/lambda/requests/abc.json
--- error_code: 200
--- response_headers
X-Op: [retrieve_requests]
--- response_body
upstream GET /mock/api/lambda/requests/abc.json



=== TEST 12: PUT on the function list is 405 with Allow and DRF's body
--- request
PUT /api/lambda/functions
{}
--- error_code: 405
--- response_headers
Allow: GET, HEAD, OPTIONS
Content-Type: application/vnd.cvat+json
X-Op: []
--- response_body chomp
{"detail":"Method \"PUT\" not allowed."}
--- error_log
lambda gateway rejected "" with 405, reason "method"



=== TEST 13: POST on the function list is 405
--- request
POST /api/lambda/functions
{}
--- more_headers
Authorization: Token abc
Content-Type: application/json
--- error_code: 405
--- response_headers
Allow: GET, HEAD, OPTIONS
--- response_body chomp
{"detail":"Method \"POST\" not allowed."}



=== TEST 14: DELETE on a function is 405
--- request
DELETE /api/lambda/functions/foo
--- error_code: 405
--- response_headers
Allow: GET, POST, HEAD, OPTIONS
--- response_body chomp
{"detail":"Method \"DELETE\" not allowed."}



=== TEST 15: PATCH on the request list is 405
--- request
PATCH /api/lambda/requests
{}
--- error_code: 405
--- response_headers
Allow: GET, POST, HEAD, OPTIONS
--- response_body chomp
{"detail":"Method \"PATCH\" not allowed."}



=== TEST 16: POST on a request is 405
--- request
POST /api/lambda/requests/abc
{}
--- more_headers
Authorization: Token abc
Content-Type: application/json
--- error_code: 405
--- response_headers
Allow: GET, DELETE, HEAD, OPTIONS
--- response_body chomp
{"detail":"Method \"POST\" not allowed."}



=== TEST 17: OPTIONS passes to CVAT (DRF metadata)
--- request
OPTIONS /api/lambda/functions
--- more_headers
--- error_code: 200
--- response_headers
X-Op: []
--- response_body
upstream OPTIONS /mock/api/lambda/functions



=== TEST 18: a trailing slash is not a route: passed through untouched
--- request
PUT /api/lambda/functions/
--- more_headers
--- error_code: 200
--- response_headers
X-Op: []
--- response_body
upstream PUT /mock/api/lambda/functions/



=== TEST 19: the API root passes through
--- request
GET /api/lambda/
--- more_headers
--- error_code: 200
--- response_body
upstream GET /mock/api/lambda/



=== TEST 20: an unknown path under /api/lambda/ passes through
--- request
POST /api/lambda/other/thing
not json at all
--- more_headers
--- error_code: 200
--- response_headers
X-Op: []
--- response_body
upstream POST /mock/api/lambda/other/thing



=== TEST 21: a request id with a dot and more is no route
--- request
GET /api/lambda/requests/a.b.c
--- more_headers
--- error_code: 200
--- response_headers
X-Op: []
--- response_body
upstream GET /mock/api/lambda/requests/a.b.c



=== TEST 22: func_id with a character outside [a-zA-Z0-9_.-] is no route
--- request
POST /api/lambda/functions/bad~name
garbage
--- more_headers
--- error_code: 200
--- response_headers
X-Op: []
--- response_body
upstream POST /mock/api/lambda/functions/bad~name



=== TEST 23: the format suffix with a trailing slash on a function
--- request
GET /api/lambda/functions/foo.json/
--- error_code: 200
--- response_headers
X-Op: [retrieve_functions]



=== TEST 24: lambda_gateway off leaves everything to CVAT
--- config
    location /api/lambda/ {
        lambda_gateway off;
        add_header X-Op "[$lambda_operation]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        return 200 "upstream $request_method $request_uri\n";
    }
--- request
PUT /api/lambda/functions
--- more_headers
--- error_code: 200
--- response_headers
X-Op: []
--- response_body
upstream PUT /mock/api/lambda/functions



=== TEST 25: pipelined keep-alive requests mixing rejections and passes
--- pipelined_requests eval
["GET /api/lambda/functions", "PUT /api/lambda/requests", "GET /api/lambda/requests/1"]
--- error_code eval
[200, 405, 200]
--- response_body eval
["upstream GET /mock/api/lambda/functions\n", "{\"detail\":\"Method \\\"PUT\\\" not allowed.\"}", "upstream GET /mock/api/lambda/requests/1\n"]
