# FunctionCallRequest on POST /api/lambda/requests (contract 2.2, 2.4): a
# table of bodies that CVAT accepts or rejects, with DRF's exact messages.
# A body that passes reaches the mock CVAT, which answers "PASSED".

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

=== TEST 1: the minimal body passes
--- request
POST /api/lambda/requests
{"function":"det","task":1}
--- error_code: 200
--- response_body
PASSED



=== TEST 2: task as a numeric string passes
--- request
POST /api/lambda/requests
{"function":"det","task":"12"}
--- error_code: 200
--- response_body
PASSED



=== TEST 3: task with surrounding spaces passes
--- request
POST /api/lambda/requests
{"function":"det","task":" 7 "}
--- error_code: 200
--- response_body
PASSED



=== TEST 4: task with tab and newline passes
--- request
POST /api/lambda/requests
{"function":"det","task":"\t7\n"}
--- error_code: 200
--- response_body
PASSED



=== TEST 5: task as 1.0 passes
--- request
POST /api/lambda/requests
{"function":"det","task":1.0}
--- error_code: 200
--- response_body
PASSED



=== TEST 6: task as the string 1.0 passes
--- request
POST /api/lambda/requests
{"function":"det","task":"1.0"}
--- error_code: 200
--- response_body
PASSED



=== TEST 7: task as the string 1. passes
--- request
POST /api/lambda/requests
{"function":"det","task":"1."}
--- error_code: 200
--- response_body
PASSED



=== TEST 8: task as 1.000 with trailing spaces passes
--- request
POST /api/lambda/requests
{"function":"det","task":"1.000  "}
--- error_code: 200
--- response_body
PASSED



=== TEST 9: task with a plus sign passes
--- request
POST /api/lambda/requests
{"function":"det","task":"+5"}
--- error_code: 200
--- response_body
PASSED



=== TEST 10: task negative (CVAT looks it up later) passes
--- request
POST /api/lambda/requests
{"function":"det","task":"-3"}
--- error_code: 200
--- response_body
PASSED



=== TEST 11: task zero passes
--- request
POST /api/lambda/requests
{"function":"det","task":0}
--- error_code: 200
--- response_body
PASSED



=== TEST 12: task with a leading zero passes
--- request
POST /api/lambda/requests
{"function":"det","task":"01"}
--- error_code: 200
--- response_body
PASSED



=== TEST 13: task with an underscore passes
--- request
POST /api/lambda/requests
{"function":"det","task":"1_000"}
--- error_code: 200
--- response_body
PASSED



=== TEST 14: task as 1e3 (1000.0 in Python) passes
--- request
POST /api/lambda/requests
{"function":"det","task":1e3}
--- error_code: 200
--- response_body
PASSED



=== TEST 15: task in full-width digits passes
--- request
POST /api/lambda/requests
{"function":"det","task":"１２"}
--- error_code: 200
--- response_body
PASSED



=== TEST 16: task in Arabic-Indic digits passes
--- request
POST /api/lambda/requests
{"function":"det","task":"١٢"}
--- error_code: 200
--- response_body
PASSED



=== TEST 17: function as an integer (CharField converts it) passes
--- request
POST /api/lambda/requests
{"function":5,"task":1}
--- error_code: 200
--- response_body
PASSED



=== TEST 18: function as a float passes
--- request
POST /api/lambda/requests
{"function":1.5,"task":1}
--- error_code: 200
--- response_body
PASSED



=== TEST 19: function with surrounding spaces passes
--- request
POST /api/lambda/requests
{"function":"  det  ","task":1}
--- error_code: 200
--- response_body
PASSED



=== TEST 20: job and max_distance as strings passes
--- request
POST /api/lambda/requests
{"function":"reid","task":1,"job":"3","max_distance":"10"}
--- error_code: 200
--- response_body
PASSED



=== TEST 21: cleanup yes passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"cleanup":"yes"}
--- error_code: 200
--- response_body
PASSED



=== TEST 22: cleanup TRUE (lowercased) passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"cleanup":"TRUE"}
--- error_code: 200
--- response_body
PASSED



=== TEST 23: cleanup Off passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"cleanup":"Off"}
--- error_code: 200
--- response_body
PASSED



=== TEST 24: cleanup 1 and conv_mask_to_poly 0 passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"cleanup":1,"conv_mask_to_poly":0}
--- error_code: 200
--- response_body
PASSED



=== TEST 25: cleanup 1.0 (equal to 1 in Python) passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"cleanup":1.0}
--- error_code: 200
--- response_body
PASSED



=== TEST 26: cleanup 0.0 passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"cleanup":0.0}
--- error_code: 200
--- response_body
PASSED



=== TEST 27: cleanup t and n passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"cleanup":"t","convMaskToPoly":"n"}
--- error_code: 200
--- response_body
PASSED



=== TEST 28: threshold the string nan passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"threshold":"nan"}
--- error_code: 200
--- response_body
PASSED



=== TEST 29: threshold the string -Infinity passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"threshold":"-Infinity"}
--- error_code: 200
--- response_body
PASSED



=== TEST 30: threshold with spaces passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"threshold":" 2 "}
--- error_code: 200
--- response_body
PASSED



=== TEST 31: threshold 1e3 as a string passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"threshold":"1e3"}
--- error_code: 200
--- response_body
PASSED



=== TEST 32: threshold true (float(True) is 1.0) passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"threshold":true}
--- error_code: 200
--- response_body
PASSED



=== TEST 33: threshold out of any sensible range passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"threshold":-5}
--- error_code: 200
--- response_body
PASSED



=== TEST 34: mapping empty passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{}}
--- error_code: 200
--- response_body
PASSED



=== TEST 35: mapping with attributes and sublabels passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"car":{"name":"vehicle","attributes":{"color":"colour"}},"person":{"name":"skeleton","sublabels":{"head":{"name":"h","attributes":{}}}}}}
--- error_code: 200
--- response_body
PASSED



=== TEST 36: mapping attribute value as a number passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"car":{"name":"vehicle","attributes":{"color":5}}}}
--- error_code: 200
--- response_body
PASSED



=== TEST 37: unknown fields are ignored passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"type":"annotate_task","quality":"original","extra":{"a":[1,2]}}
--- error_code: 200
--- response_body
PASSED



=== TEST 38: the browser UI's detector body passes
--- request
POST /api/lambda/requests
{"type":"annotate_task","mapping":{"person":{"name":"person","attributes":{}}},"cleanup":true,"conv_mask_to_poly":false,"threshold":0.5,"task":12,"function":"openvino-omz-public-yolo-v3-tf"}
--- error_code: 200
--- response_body
PASSED



=== TEST 39: the browser UI's ReID body passes
--- request
POST /api/lambda/requests
{"threshold":0.5,"max_distance":50,"task":12,"function":"openvino-omz-intel-person-reidentification-retail-0277"}
--- error_code: 200
--- response_body
PASSED



=== TEST 40: the SDK's body with every field passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"job":2,"max_distance":3,"threshold":0.4,"cleanup":false,"convMaskToPoly":true,"conv_mask_to_poly":true,"mapping":{"a":{"name":"b"}}}
--- error_code: 200
--- response_body
PASSED



=== TEST 41: a valid roi passes
--- request
POST /api/lambda/requests
{"function":"det","task":1,"roi":[0,0,10.5,20]}
--- error_code: 200
--- response_body
PASSED



=== TEST 42: a unicode function name passes
--- request
POST /api/lambda/requests
{"function":"dét","task":1}
--- error_code: 200
--- response_body
PASSED



=== TEST 43: an empty object: both required fields is refused
--- request
POST /api/lambda/requests
{}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["This field is required."],"task":["This field is required."]}



=== TEST 44: function missing is refused
--- request
POST /api/lambda/requests
{"task":1}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["This field is required."]}



=== TEST 45: task missing is refused
--- request
POST /api/lambda/requests
{"function":"det"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["This field is required."]}



=== TEST 46: function blank is refused
--- request
POST /api/lambda/requests
{"function":"","task":1}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["This field may not be blank."]}



=== TEST 47: function of spaces is blank is refused
--- request
POST /api/lambda/requests
{"function":"   ","task":1}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["This field may not be blank."]}



=== TEST 48: function of Unicode spaces is blank is refused
--- request
POST /api/lambda/requests
{"function":"　 ","task":1}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["This field may not be blank."]}



=== TEST 49: function null is refused
--- request
POST /api/lambda/requests
{"function":null,"task":1}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["This field may not be null."]}



=== TEST 50: function true is refused
--- request
POST /api/lambda/requests
{"function":true,"task":1}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["Not a valid string."]}



=== TEST 51: function a list is refused
--- request
POST /api/lambda/requests
{"function":["det"],"task":1}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["Not a valid string."]}



=== TEST 52: function an object is refused
--- request
POST /api/lambda/requests
{"function":{},"task":1}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["Not a valid string."]}



=== TEST 53: function with a NUL character is refused
--- request
POST /api/lambda/requests
{"function":"a\u0000b","task":1}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["Null characters are not allowed."]}



=== TEST 54: function with a lone surrogate is refused
--- request
POST /api/lambda/requests
{"function":"a\ud800","task":1}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["Surrogate characters are not allowed: U+D800."]}



=== TEST 55: task a word is refused
--- request
POST /api/lambda/requests
{"function":"det","task":"abc"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 56: task true is refused
--- request
POST /api/lambda/requests
{"function":"det","task":true}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 57: task 1.5 is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1.5}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 58: task the string 1.5 is refused
--- request
POST /api/lambda/requests
{"function":"det","task":"1.5"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 59: task the string 1e3 is refused
--- request
POST /api/lambda/requests
{"function":"det","task":"1e3"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 60: task 1e20 (str() gives 1e+20) is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1e20}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 61: task hexadecimal is refused
--- request
POST /api/lambda/requests
{"function":"det","task":"0x10"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 62: task empty string is refused
--- request
POST /api/lambda/requests
{"function":"det","task":""}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 63: task with an inner space is refused
--- request
POST /api/lambda/requests
{"function":"det","task":"1 000"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 64: task a list is refused
--- request
POST /api/lambda/requests
{"function":"det","task":[1]}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 65: task null is refused
--- request
POST /api/lambda/requests
{"function":"det","task":null}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["This field may not be null."]}



=== TEST 66: task a string over 1000 characters is refused
--- request
POST /api/lambda/requests
{"function":"det","task":"11111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"task":["String value too large."]}



=== TEST 67: job a word is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"job":"x"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"job":["A valid integer is required."]}



=== TEST 68: job null is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"job":null}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"job":["This field may not be null."]}



=== TEST 69: max_distance 1.5 is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"max_distance":1.5}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"max_distance":["A valid integer is required."]}



=== TEST 70: threshold a word is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"threshold":"abc"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"threshold":["A valid number is required."]}



=== TEST 71: threshold null is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"threshold":null}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"threshold":["This field may not be null."]}



=== TEST 72: threshold a list is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"threshold":[0.5]}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"threshold":["A valid number is required."]}



=== TEST 73: threshold a string over 1000 characters is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"threshold":"11111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"threshold":["String value too large."]}



=== TEST 74: cleanup 2 is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"cleanup":2}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"cleanup":["Must be a valid boolean."]}



=== TEST 75: cleanup the string 1.0 is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"cleanup":"1.0"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"cleanup":["Must be a valid boolean."]}



=== TEST 76: cleanup with a leading space is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"cleanup":" true"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"cleanup":["Must be a valid boolean."]}



=== TEST 77: cleanup null is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"cleanup":null}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"cleanup":["This field may not be null."]}



=== TEST 78: cleanup a list is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"cleanup":[]}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"cleanup":["Must be a valid boolean."]}



=== TEST 79: convMaskToPoly 3 is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"convMaskToPoly":3}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"convMaskToPoly":["Must be a valid boolean."]}



=== TEST 80: conv_mask_to_poly maybe is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"conv_mask_to_poly":"maybe"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"conv_mask_to_poly":["Must be a valid boolean."]}



=== TEST 81: mapping a list is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":[]}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":["Expected a dictionary of items but got type \"list\"."]}



=== TEST 82: mapping a string is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":"car"}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":["Expected a dictionary of items but got type \"str\"."]}



=== TEST 83: mapping null is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":null}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":["This field may not be null."]}



=== TEST 84: a mapping entry that is a string is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"car":"vehicle"}}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":{"car":{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}}}



=== TEST 85: a mapping entry that is a list is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"car":[]}}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":{"car":{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}}}



=== TEST 86: a mapping entry without name is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"car":{}}}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":{"car":{"name":["This field is required."]}}}



=== TEST 87: a mapping entry with a blank name is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"car":{"name":" "}}}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":{"car":{"name":["This field may not be blank."]}}}



=== TEST 88: a mapping entry that is null is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"car":null}}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":{"car":["This field may not be null."]}}



=== TEST 89: mapping attributes a list is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"car":{"name":"v","attributes":[]}}}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":{"car":{"attributes":["Expected a dictionary of items but got type \"list\"."]}}}



=== TEST 90: a mapping attribute that is null is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"car":{"name":"v","attributes":{"color":null}}}}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":{"car":{"attributes":{"color":["This field may not be null."]}}}}



=== TEST 91: a mapping attribute that is a boolean is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"car":{"name":"v","attributes":{"color":true}}}}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":{"car":{"attributes":{"color":["Not a valid string."]}}}}



=== TEST 92: a sublabel without name is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"car":{"name":"v","sublabels":{"wheel":{"attributes":{}}}}}}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":{"car":{"sublabels":{"wheel":{"name":["This field is required."]}}}}}



=== TEST 93: a sublabel that is a number is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"car":{"name":"v","sublabels":{"wheel":3}}}}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":{"car":{"sublabels":{"wheel":{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}}}}}



=== TEST 94: errors in two mapping entries, in input order is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"b":{},"a":"x"}}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"mapping":{"b":{"name":["This field is required."]},"a":{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}}}



=== TEST 95: every field error at once, in declaration order is refused
--- request
POST /api/lambda/requests
{"mapping":[],"cleanup":"maybe","task":"x","function":""}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["This field may not be blank."],"task":["A valid integer is required."],"cleanup":["Must be a valid boolean."],"mapping":["Expected a dictionary of items but got type \"list\"."]}
