# lambda_require_credentials (contract 7): no Authorization header, no
# sessionid cookie and no sign argument is CVAT's 401, before anything else.

use Test::Nginx::Socket 'no_plan';

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location /api/lambda/ {
        lambda_gateway on;
        add_header X-Reason "[$lambda_reject_reason]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        return 200 "upstream $request_method $request_uri\n";
    }
_EOC_
    }

    if (!defined $block->no_error_log) {
        $block->set_value("no_error_log", "[alert]\n[crit]\n[emerg]\n");
    }
});

run_tests();

__DATA__

=== TEST 1: no credentials: 401 with WWW-Authenticate and DRF's body
--- request
GET /api/lambda/functions
--- error_code: 401
--- response_headers
WWW-Authenticate: Token
Content-Type: application/vnd.cvat+json
X-Reason: [credentials]
--- response_body chomp
{"detail":"Authentication credentials were not provided."}
--- error_log
lambda gateway rejected "list_functions" with 401, reason "credentials"



=== TEST 2: a token passes
--- request
GET /api/lambda/functions
--- more_headers
Authorization: Token 0123456789abcdef
--- error_code: 200
--- response_body
upstream GET /mock/api/lambda/functions



=== TEST 3: a bearer token (personal access token) passes
--- request
GET /api/lambda/requests
--- more_headers
Authorization: Bearer pat_0123
--- error_code: 200
--- response_body
upstream GET /mock/api/lambda/requests



=== TEST 4: a sessionid cookie passes
--- request
GET /api/lambda/requests/1
--- more_headers
Cookie: csrftoken=x; sessionid=s3cr3t; sessionfresh=1
--- error_code: 200
--- response_body
upstream GET /mock/api/lambda/requests/1



=== TEST 5: a sign argument passes
--- request
GET /api/lambda/functions?sign=abc123
--- error_code: 200
--- response_body
upstream GET /mock/api/lambda/functions?sign=abc123



=== TEST 6: an empty sign argument is no credential
--- request
GET /api/lambda/functions?sign=
--- error_code: 401
--- response_body chomp
{"detail":"Authentication credentials were not provided."}



=== TEST 7: a blank Authorization header is no credential
--- request
GET /api/lambda/functions
--- more_headers
Authorization:  
--- error_code: 401
--- response_body chomp
{"detail":"Authentication credentials were not provided."}



=== TEST 8: an empty sessionid cookie is no credential
--- request
GET /api/lambda/functions
--- more_headers
Cookie: sessionid=; other=1
--- error_code: 401



=== TEST 9: a cookie merely named like sessionid is no credential
--- request
GET /api/lambda/functions
--- more_headers
Cookie: xsessionid=abc
--- error_code: 401



=== TEST 10: 401 comes before 405, as DRF authenticates first
--- request
PUT /api/lambda/functions
--- error_code: 401
--- response_body chomp
{"detail":"Authentication credentials were not provided."}



=== TEST 11: 401 comes before the organization checks
--- request
GET /api/lambda/functions?org=a&org_id=1
--- error_code: 401



=== TEST 12: 401 comes before the body is looked at
--- request
POST /api/lambda/requests
not json
--- more_headers
Content-Type: text/plain
--- error_code: 401
--- response_body chomp
{"detail":"Authentication credentials were not provided."}



=== TEST 13: lambda_require_credentials off lets anonymous calls through
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_require_credentials off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        return 200 "upstream $request_method $request_uri\n";
    }
--- request
GET /api/lambda/functions
--- error_code: 200
--- response_body
upstream GET /mock/api/lambda/functions



=== TEST 14: with credentials off, other checks still apply
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_require_credentials off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        return 200 "upstream $request_method $request_uri\n";
    }
--- request
PUT /api/lambda/functions
--- error_code: 405



=== TEST 15: paths that are not Lambda operations need no credentials
--- request
GET /api/lambda/
--- error_code: 200
--- response_body
upstream GET /mock/api/lambda/
