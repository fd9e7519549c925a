package LambdaCacheTest;

# Shared set-up of the t/02x-cache-*.t files: a gateway location with the
# function-list cache in front of a mock CVAT that logs every call it
# receives, and a location that shows that log.
#
# Every block gets, unless it sets its own --- http_config / --- config:
#
#   - a cache zone of its own, "c<N>" (N: the block number), so that a
#     reload between blocks (TEST_NGINX_USE_HUP) starts each block with an
#     empty cache;
#   - location /api/lambda/ with lambda_gateway on, lambda_functions_cache
#     c<N> <--- cache section, default "ttl=30s">, the directives of the
#     --- location_extra section, add_header X-Cache-Status, and proxy_pass
#     to the mock named by the request's X-Mock header (/mock/ok by
#     default; "refused": a port nobody listens on);
#   - the mock CVAT, location /mock/: each call is written to
#     logs/mock-<N>.log (method, URI, and the headers a fill must not
#     forward), one line per call;
#   - GET /mock-calls: that log, so that the last request of a block proves
#     how many calls reached CVAT (an empty body: none).
#
# Extra sections: --- cache (the parameters after the zone name),
# --- zone_size (default 1m), --- location_extra, --- http_extra,
# --- server_extra (more locations).  In them, and in a block's own
# --- http_config and --- config, @N@ is the block number.
#
# The configuration uses no regular expression: nginx 1.22 leaves a PCRE2
# context behind at exit, which valgrind would report in every block.

use strict;
use warnings;

use Test::Nginx::Socket ();
use Digest::MD5 ();

use Exporter 'import';
our @EXPORT = qw(cache_test_setup later mock_call $LIST $LIST2);

our $LIST = '[{"id":"openvino-omz-public-yolo-v3-tf","kind":"detector",'
    . '"labels_v2":[{"name":"person","type":"any","attributes":[]}],'
    . '"description":"YOLO v3 via Intel OpenVINO","name":"YOLO v3",'
    . '"version":1}]';

our $LIST2 = '[{"id":"pth-facebookresearch-sam-vit-h","kind":"interactor",'
    . '"labels_v2":[],"description":"Segment Anything","name":"SAM",'
    . '"version":1,"min_pos_points":1,"min_neg_points":0}]';

my $echo_so = '/usr/lib/nginx/modules/ngx_http_echo_module.so';

my $http_config = <<'_EOC_';
    lambda_cache_zone  c@N@:@ZONE_SIZE@;

    log_format  mock  '$request_method $request_uri '
                      'auth=$http_authorization '
                      'inm=$http_if_none_match ims=$http_if_modified_since '
                      'range=$http_range ae=$http_accept_encoding';

    map $http_x_mock $mock {
        ""        ok;
        default   $http_x_mock;
    }

    map $http_x_mock $mock_host {
        default   127.0.0.1:$TEST_NGINX_SERVER_PORT;
        refused   127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

@HTTP_EXTRA@
_EOC_

my $config = <<'_EOC_';
    location /api/lambda/ {
        lambda_gateway          on;
        lambda_functions_cache  c@N@ @CACHE@;
        add_header              X-Cache-Status $lambda_cache_status always;
@LOCATION_EXTRA@
        proxy_pass              http://$mock_host/mock/$mock$is_args$args;
    }

    location /mock/ {
        access_log    logs/mock-@N@.log mock;
        default_type  application/vnd.cvat+json;

        location = /mock/ok        { return 200 '@LIST@'; }
        location = /mock/new       { return 200 '@LIST2@'; }
        location = /mock/chunked   { echo -n '@LIST@'; }
        location = /mock/slow      { echo_sleep 0.5; echo -n '@LIST@'; }
        location = /mock/hang      { echo_sleep 2; echo -n '@LIST@'; }
        location = /mock/json {
            default_type "application/json; charset=utf-8";
            return 200 '@LIST@';
        }
        location = /mock/html {
            default_type text/html;
            return 200 '<html><body>Function list</body></html>';
        }
        location = /mock/nostore {
            add_header Cache-Control no-store;
            return 200 '@LIST@';
        }
        location = /mock/private {
            add_header Cache-Control "private, max-age=60";
            return 200 '@LIST@';
        }
        location = /mock/nocache {
            add_header Cache-Control no-cache;
            return 200 '@LIST@';
        }
        location = /mock/cookie {
            add_header Set-Cookie "csrftoken=abc; Path=/";
            return 200 '@LIST@';
        }
        location = /mock/vary {
            add_header Vary "*";
            return 200 '@LIST@';
        }
        location = /mock/gzip {
            add_header Content-Encoding gzip;
            return 200 '@LIST@';
        }
        location = /mock/mid {
            echo -n '[';
            echo_duplicate 300 '"aaaaaaaa",';
            echo -n '"z"]';
        }
        location = /mock/big {
            echo -n '[';
            echo_duplicate 5000 '"aaaaaaaa",';
            echo -n '"z"]';
        }
        location = /mock/notfound  { return 404 '{"detail":"Not found."}'; }
        location = /mock/denied    { return 401 '{"detail":"Invalid token."}'; }
        location = /mock/forbidden {
            return 403 '{"detail":"You do not have permission."}';
        }
        location = /mock/down      { return 503 '"nuclio is unreachable"'; }
        location = /mock/error     { return 500 '"Internal Server Error"'; }
    }

    location = /mock-calls {
        access_log     off;
        default_type   text/plain;
        alias          logs/mock-@N@.log;
        log_not_found  off;
        error_page     404 = @no_calls;
    }

    location @no_calls {
        return 200 '';
    }

@SERVER_EXTRA@
_EOC_

# A request sent after a pause (on its own connection).
sub later {
    my ($secs, $req) = @_;
    return [ { value => '' }, { value => $req, delay_before => $secs } ];
}

# One line of logs/mock-<N>.log.
sub mock_call {
    my ($uri, %h) = @_;
    my $auth = $h{auth} // 'Token abc';
    my $line = "GET $uri auth=$auth";
    $line .= " $_=" . ($h{$_} // '-') for qw(inm ims range ae);
    return "$line\n";
}

sub cache_test_setup {

    # "--- x eval" sections are evaluated in Test::Base::Filter: give them
    # the helpers too
    {
        no strict 'refs';
        *{"Test::Base::Filter::$_"} = \&{$_} for qw(mock_call later);
        *Test::Base::Filter::md5_hex = \&Digest::MD5::md5_hex;
        *Test::Base::Filter::LIST = \$LIST;
        *Test::Base::Filter::LIST2 = \$LIST2;
    }

    my $echo = ($ENV{TEST_NGINX_LOAD_MODULES} // '') =~ /ngx_http_echo_module/;

    if (!$echo && !-f $echo_so) {
        Test::More::plan(skip_all =>
            "needs $echo_so (Debian package libnginx-mod-http-echo)");
    }

    Test::Nginx::Socket::add_block_preprocessor(sub {
        my $block = shift;
        my ($n) = $block->name =~ /TEST\s+(\d+)/;
        $n //= 0;

        my %sub = (
            N => $n,
            ZONE_SIZE => $block->zone_size // '1m',
            CACHE => $block->cache // 'ttl=30s',
            LOCATION_EXTRA => $block->location_extra // '',
            HTTP_EXTRA => $block->http_extra // '',
            SERVER_EXTRA => $block->server_extra // '',
            LIST => $LIST,
            LIST2 => $LIST2,
        );

        my $fill = sub {
            my $text = shift;
            $text =~ s/\@([A-Z_0-9]+)\@/$sub{$1}/g for 1 .. 2;
            return $text;
        };

        $block->set_value("http_config",
                          $fill->($block->http_config // $http_config));

        $block->set_value("config", $fill->($block->config // $config));

        if (!$echo) {
            $block->set_value("main_config",
                "load_module $echo_so;\n" . ($block->main_config // ''));
        }

        if (!defined $block->more_headers && !defined $block->raw_request) {
            $block->set_value("more_headers", "Authorization: Token abc\n");
        }

        if (!defined $block->no_error_log && !defined $block->must_die) {
            $block->set_value("no_error_log", "[alert]\n[crit]\n[emerg]\n");
        }
    });
}

1;
