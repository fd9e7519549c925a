#!/usr/bin/perl
#
# Writes the seed corpora of the fuzz targets, tests/fuzz/corpus/<target>/,
# from the contract's cases: the request bodies, URIs, Content-Type and
# X-Organization headers of t/003-org.t, t/004-body.t, t/005-*.t and
# t/006-*.t, and the bodies CVAT's UI and SDK send (contract 4).  Each seed
# is named after a digest of its bytes, so running it again only adds what
# is new.
#
#   perl tests/fuzz/seeds.pl          from the repository root
#
# Seed layouts follow the targets (see the comment at the top of each):
# fuzz_body and fuzz_fastpath take a variant byte then the body, fuzz_org a
# header-count byte then "args\nheader", fuzz_op a method byte then the
# path, fuzz_media the Content-Type value.

use strict;
use warnings;

use Digest::SHA qw(sha1_hex);
use File::Basename qw(dirname);
use File::Path qw(make_path);

my $root = dirname(dirname(dirname(__FILE__)));
my $out = "$root/tests/fuzz/corpus";
my $max = 4096;
my %written;

my %method = (GET => 0, HEAD => 1, POST => 2, PUT => 3, PATCH => 4,
              DELETE => 5, OPTIONS => 6);

sub seed {
    my ($target, $bytes) = @_;

    return if length($bytes) > $max;

    my $dir = "$out/$target";
    my $name = substr(sha1_hex($bytes), 0, 16);

    make_path($dir);

    return if $written{"$target/$name"}++;

    open(my $fh, '>:raw', "$dir/$name") or die "$dir/$name: $!\n";
    print $fh $bytes;
    close($fh);
}

sub body_seeds {
    my ($body, $online) = @_;
    my $kind = $online ? 1 : 0;

    # lenient and strict, no charset; latin-1 and "utf-8" once each
    seed('fuzz_body', chr($kind) . $body);
    seed('fuzz_body', chr($kind | 2) . $body);
    seed('fuzz_body', chr($kind | (4 << 2)) . $body);
    seed('fuzz_body', chr($kind | (1 << 2)) . $body);
    seed('fuzz_fastpath', chr($kind) . $body);
}

sub request_seeds {
    my ($request, $headers) = @_;
    my ($line, $body) = split /\n/, $request, 2;

    return unless defined $line
                  && $line =~ m{^(\w+) (\S+)};

    my ($m, $uri) = ($1, $2);
    my ($path, $args) = split /\?/, $uri, 2;

    seed('fuzz_op', chr($method{$m} // 7) . $path);

    my @org = $headers =~ /^X-Organization:[ \t]*(.*?)[ \t]*$/mgi;
    my $count = scalar @org;

    $count = 3 if $count > 3;
    seed('fuzz_org', chr($count) . ($args // '')
                     . ($count ? "\n" . $org[0] : ''));

    if ($headers =~ /^Content-Type:[ \t]*(.*?)[ \t]*$/mi) {
        seed('fuzz_media', $1);
    }

    return unless $m eq 'POST' && defined $body;

    $body =~ s/^\s+|\s+$//g;
    $body = '{}' if $body eq '';

    body_seeds($body, $path =~ m{/functions/});
}

# the t/ files: --- request and --- request eval sections

for my $file (map { "$root/t/$_" } qw(003-org.t 004-body.t
                                      005-requests-schema.t
                                      006-online-schema.t))
{
    open(my $fh, '<', $file) or die "$file: $!\n";
    local $/;
    my $text = <$fh>;
    close($fh);

    $text =~ s/^.*?\n__DATA__\n//s;

    my $defaults = $file =~ /00[456]/
                   ? "Content-Type: application/json\n" : '';

    for my $block (split /^=== /m, $text) {
        my %sec;

        while ($block =~ /^--- (\w+)( eval)?[^\n]*\n(.*?)(?=^--- |\z)/msg) {
            $sec{$1} = [$3, $2];
        }

        next unless $sec{request};

        my ($req, $eval) = @{ $sec{request} };
        my $headers = $sec{more_headers} ? $sec{more_headers}[0] : $defaults;

        if ($eval) {
            no strict 'vars';
            local $SIG{__WARN__} = sub { };
            $req = eval $req;
            next if !defined $req || ref $req;
        }

        $req =~ s/\s+\z//;
        request_seeds($req, $headers);
    }
}

# contract 4: what the UI and the SDK send

my @requests = (
    '{"type":"annotate_task","mapping":{"person":{"name":"person",'
    . '"attributes":{}}},"cleanup":true,"conv_mask_to_poly":false,'
    . '"threshold":0.5,"task":12,"function":"openvino-yolo"}',
    '{"type":"annotate_task","mapping":{"car":{"name":"vehicle",'
    . '"attributes":{"color":"paint"},"sublabels":{"wheel":{"name":"w",'
    . '"attributes":{}}}}},"cleanup":false,"conv_mask_to_poly":true,'
    . '"roi":[10,20,300,400],"task":3,"function":"sam"}',
    '{"threshold":0.5,"max_distance":50,"task":12,"function":"reid"}',
    '{"function":"det","task":1,"job":2,"max_distance":3,"threshold":0.4,'
    . '"cleanup":false,"convMaskToPoly":true,"conv_mask_to_poly":true,'
    . '"mapping":{"a":{"name":"b"}}}',
    '{"function":"det","task":1,"quality":"original"}',
    '{"function":"d\u00e9t","task":"\u0661\u0662","threshold":"1e3"}',
    '{"function":"\ud800","task":1}',
    '{"function":"det","task":1,"x":"\ud83d\ude00"}',
    '{"function":"det","task":1e400}',
    '{"function":"det","task":1' . ('0' x 400) . '}',
    '{"function":"det","task":1,"pad":' . ('[' x 100) . (']' x 100) . '}',
    '{"function":"a\u0000b","task":1}',
    '{"function":"det","task":1,"a\u0000":1}',
);

my @online = (
    '{"type":"annotate_frame","mapping":{"person":{"name":"person",'
    . '"attributes":{}}},"conv_mask_to_poly":false,"threshold":0.5,'
    . '"frame":3,"job":5,"task":2}',
    '{"frame":3,"obj_bbox":[[1.5,2.5],[30,40]],"pos_points":[[1.5,2.5]],'
    . '"neg_points":[],"job":5,"task":2,"type":"interact"}',
    '{"type":"init_tracking","frame":9,"shapes":[{"type":"rectangle",'
    . '"points":[1,2,30,40]}],"job":5,"task":2}',
    '{"type":"track","frame":10,"states":["eyJhIjoxfQ:1t2:sig"],'
    . '"shapes":[[1,2,3,4]],"job":5,"task":2}',
    '{"frame0":1,"frame1":2,"boxes0":[],"boxes1":[],"task":1}',
    '{"job":0,"task":0}',
    '{}',
);

body_seeds($_, 0) for @requests;
body_seeds($_, 1) for @online;

# the body target's charset taken from the input (slot 7)

for my $cs ("koi8-r\n{}",
            " \"Latin-1\" \n{\"function\":\"caf\xe9\",\"task\":1}",
            "utf_8\n{\"task\":1}", "us-ascii\n{\"function\":\"\xff\"}",
            "\xff\xfe\n{}", "utf-16\n[]")
{
    seed('fuzz_body', chr(7 << 2) . $cs);
    seed('fuzz_body', chr((7 << 2) | 1) . $cs);
}

# the body target's allocation-failure variant

seed('fuzz_body', chr(7 << 5) . chr(3) . $requests[0]);
seed('fuzz_body', chr((7 << 5) | 1) . chr(40) . $online[0]);
seed('fuzz_body', chr(7 << 5) . chr(10) . $requests[6]);

# the organization: contract 5 and the UI's "org=" on every call

for my $case (
    [0, 'org=acme'], [0, 'org='], [0, 'org'], [1, "\nacme"],
    [1, "org=acme\nacme"], [1, "org=acme\nother"], [1, "org=\n"],
    [0, 'org_id=42'], [0, 'org_id=+%2007%20'], [0, 'org_id=-0'],
    [0, 'org_id=1_000'], [0, 'org_id=9223372036854775807'],
    [0, 'org_id=-9223372036854775808'], [0, 'org_id=99999999999999999999'],
    [0, 'org_id=3&org=acme'], [1, "org_id=3\nacme"], [0, 'org_id=abc'],
    [0, 'org=first&org=second'], [0, 'or%67=ac%6De'], [0, 'org=a+b'],
    [0, 'org=%zz'], [0, 'org=a%FFb'], [0, 'org=abcdefghijklmnopq'],
    [1, "\ncaf\xc3\xa9"], [2, "\nacme"], [0, 'a=1&&org=acme&'],
    [1, 'org=' . ('a' x 300) . "\n" . ('a' x 300)],
    [0, 'org=' . ('%41' x 200)], [0, 'x=1&' x 50 . 'org=z'],
    [0, 'org_id=' . ('0' x 256) . '1'], [0, 'org_id=42' . ('+' x 256)],
    [0, "org_id=\x1e2"], [0, 'org_id=2%1F'], [0, 'org_id=%09%0A%0B+2%0C%0D'])
{
    seed('fuzz_org', chr($case->[0]) . $case->[1]);
}

# Content-Type: contract 2.1

for my $ct ('application/json', 'APPLICATION/JSON; charset=UTF-8', '*/*',
            'application/*', '*/json', 'text/plain',
            'application/vnd.cvat+json', 'application/json-patch+json',
            'multipart/form-data; boundary=xyz',
            'application/json; boundary=x; charset = ascii ; q=1',
            'application/json; charset="latin-1"', ' application/json ',
            "application/json\t;charset=", 'application', '/json', '')
{
    seed('fuzz_media', $ct);
}

# paths: contract 1

for my $case (
    [0, '/api/lambda/functions'], [1, '/api/lambda/functions'],
    [0, '/api/lambda/functions.json'], [0, '/api/lambda/functions.json/'],
    [0, '/api/lambda/functions/openvino-omz-public-yolo-v3-tf'],
    [2, '/api/lambda/functions/det'], [2, '/api/lambda/functions/a.b.c/'],
    [0, '/api/lambda/functions/foo.json'], [3, '/api/lambda/functions/x'],
    [2, '/api/lambda/requests'], [0, '/api/lambda/requests.api'],
    [0, '/api/lambda/requests/5a1f-77'], [5, '/api/lambda/requests/5'],
    [0, '/api/lambda/requests/5.json'], [0, '/api/lambda/requests/5.json/'],
    [0, '/api/lambda/requests/'], [6, '/api/lambda/requests'],
    [7, '/api/lambda/requests/5'], [0, '/api/lambda/functionsx'],
    [0, '/api/lambda/'], [0, '/api/other'])
{
    seed('fuzz_op', chr($case->[0]) . $case->[1]);
}

my $n = 0;
$n += scalar(() = glob("$out/$_/*"))
    for qw(fuzz_body fuzz_fastpath fuzz_org fuzz_media fuzz_op);
print "seeds: $n files under tests/fuzz/corpus\n";
