# The online call POST /api/lambda/functions/{id} (contract 2.3, 3): no
# serializer in CVAT; the body must be an object with a truthy job or task
# (CVAT's bare string answer otherwise), and ids must be integers.

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
        return 200 "PASSED\n";
    }
_EOC_
    }

    if (!defined $block->more_headers) {
        $block->set_value("more_headers",
                          "Authorization: Token abc\n"
                          . "Content-Type: application/json\n");
    }

    if (!defined $block->no_error_log) {
        $block->set_value("no_error_log", "[alert]\n[crit]\n[emerg]\n");
    }
});

run_tests();

__DATA__

=== TEST 1: the detector body of the browser UI passes
--- request
POST /api/lambda/functions/det
{"type":"annotate_frame","mapping":{"person":{"name":"person","attributes":{}}},"conv_mask_to_poly":false,"threshold":0.5,"frame":3,"job":5,"task":2}
--- error_code: 200
--- response_body
PASSED



=== TEST 2: the interactor body passes
--- request
POST /api/lambda/functions/det
{"frame":3,"obj_bbox":[],"pos_points":[[1.5,2.5],[3,4]],"neg_points":[],"job":5,"task":2}
--- error_code: 200
--- response_body
PASSED



=== TEST 3: the tracker init body passes
--- request
POST /api/lambda/functions/det
{"type":"init_tracking","frame":9,"shapes":[{"type":"rectangle","points":[1,2,30,40]}],"job":5,"task":2}
--- error_code: 200
--- response_body
PASSED



=== TEST 4: the tracker continue body passes
--- request
POST /api/lambda/functions/det
{"type":"track","frame":10,"states":["eyJhIjoxfQ:1t2:sig"],"job":5,"task":2}
--- error_code: 200
--- response_body
PASSED



=== TEST 5: a truthy job alone passes
--- request
POST /api/lambda/functions/det
{"job":5}
--- error_code: 200
--- response_body
PASSED



=== TEST 6: a truthy task alone passes
--- request
POST /api/lambda/functions/det
{"task":2}
--- error_code: 200
--- response_body
PASSED



=== TEST 7: task as a numeric string passes
--- request
POST /api/lambda/functions/det
{"task":"2","frame":"0"}
--- error_code: 200
--- response_body
PASSED



=== TEST 8: a legacy interactor body passes
--- request
POST /api/lambda/functions/det
{"frame":0,"pos_points":[[1,1]],"neg_points":[[2,2]],"task":1}
--- error_code: 200
--- response_body
PASSED



=== TEST 9: a mapping of any shape (CVAT checks it itself) passes
--- request
POST /api/lambda/functions/det
{"task":1,"mapping":"anything"}
--- error_code: 200
--- response_body
PASSED



=== TEST 10: unknown fields passes
--- request
POST /api/lambda/functions/det
{"task":1,"extra_params":{"a":1},"type":"interact"}
--- error_code: 200
--- response_body
PASSED



=== TEST 11: a null job with a task passes
--- request
POST /api/lambda/functions/det
{"job":null,"task":3}
--- error_code: 200
--- response_body
PASSED



=== TEST 12: a valid roi passes
--- request
POST /api/lambda/functions/det
{"task":1,"frame":0,"roi":[1.5,2,3,4]}
--- error_code: 200
--- response_body
PASSED



=== TEST 13: frame zero passes
--- request
POST /api/lambda/functions/det
{"task":1,"frame":0}
--- error_code: 200
--- response_body
PASSED



=== TEST 14: an empty object is refused
--- request
POST /api/lambda/functions/det
{}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
"`det` lambda function was run with wrong arguments ('task')"



=== TEST 15: a frame but no job or task is refused
--- request
POST /api/lambda/functions/det
{"frame":1}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
"`det` lambda function was run with wrong arguments ('task')"



=== TEST 16: task zero is refused
--- request
POST /api/lambda/functions/det
{"task":0}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
"`det` lambda function was run with wrong arguments (Task matching query does not exist.)"



=== TEST 17: task null is refused
--- request
POST /api/lambda/functions/det
{"task":null}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
"`det` lambda function was run with wrong arguments (Task matching query does not exist.)"



=== TEST 18: task false is refused
--- request
POST /api/lambda/functions/det
{"task":false}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 19: job zero is refused
--- request
POST /api/lambda/functions/det
{"job":0}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
"`det` lambda function was run with wrong arguments (Job matching query does not exist.)"



=== TEST 20: job zero and a task zero is refused
--- request
POST /api/lambda/functions/det
{"job":0,"task":0}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
"`det` lambda function was run with wrong arguments (Job matching query does not exist.)"



=== TEST 21: job an empty string is refused
--- request
POST /api/lambda/functions/det
{"job":"","task":0}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"job":["A valid integer is required."]}



=== TEST 22: task a word is refused
--- request
POST /api/lambda/functions/det
{"task":"abc"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 23: job a word is refused
--- request
POST /api/lambda/functions/det
{"job":"abc","task":1}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"job":["A valid integer is required."]}



=== TEST 24: frame a word is refused
--- request
POST /api/lambda/functions/det
{"task":1,"frame":"x"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"frame":["A valid integer is required."]}



=== TEST 25: frame 1.5 is refused
--- request
POST /api/lambda/functions/det
{"task":1,"frame":1.5}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"frame":["A valid integer is required."]}



=== TEST 26: task true is refused
--- request
POST /api/lambda/functions/det
{"task":true}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 27: every id error at once is refused
--- request
POST /api/lambda/functions/det
{"task":"a","job":"b","frame":"c"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."],"job":["A valid integer is required."],"frame":["A valid integer is required."]}



=== TEST 28: a top-level list is refused
--- request
POST /api/lambda/functions/det
[{"task":1}]
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}



=== TEST 29: a top-level string is refused
--- request
POST /api/lambda/functions/det
"task"
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}
