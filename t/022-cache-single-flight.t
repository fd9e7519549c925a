# The function-list cache (issue 4), items 4 and 6 under real concurrency:
# one refresh at a time across all workers.  A plain TAP test: it starts
# its own nginx (a master and four workers, "listen ... reuseport" so that
# the kernel spreads connections over them) and sends thirty requests at
# once.  The mock CVAT logs every call to logs/mock.log; its lines prove
# the number of upstream calls.  Everything listens on 127.0.0.1; nginx is
# stopped by PID, and every wait is bounded.
#
# Environment: TEST_NGINX_BINARY, TEST_NGINX_LOAD_MODULES (the module and
# Debian's echo module), TEST_NGINX_SERVROOT (this test uses
# "<servroot>-flight"), TEST_NGINX_USE_VALGRIND (nginx and its workers run
# under memcheck; any error reported fails the test).

use strict;
use warnings;

use Test::More;
use Cwd qw(abs_path);
use File::Path qw(make_path remove_tree);
use IO::Select;
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my @modules = grep { length } split /\s+/, $ENV{TEST_NGINX_LOAD_MODULES} // '';
my $echo_so = '/usr/lib/nginx/modules/ngx_http_echo_module.so';

if (!grep { /ngx_http_lambda_module/ } @modules) {
    plan skip_all => 'TEST_NGINX_LOAD_MODULES does not name the module';
}

if (!grep { /ngx_http_echo_module/ } @modules) {
    plan skip_all => "needs $echo_so" unless -f $echo_so;
    push @modules, $echo_so;
}

my $valgrind = $ENV{TEST_NGINX_USE_VALGRIND};
my $slow = $valgrind ? 3 : 1;    # time factor under valgrind

my $root = abs_path($ENV{TEST_NGINX_SERVROOT} || 't/servroot') . '-flight';
remove_tree($root);
make_path("$root/conf", "$root/logs", "$root/tmp");

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, ReuseAddr => 1)
        or die "no free port: $!\n";
    return $s->sockport;
}

my %port = map { $_ => free_port() } qw(a b c d mock);

my $list = '[{"id":"openvino-omz-public-yolo-v3-tf","kind":"detector",'
    . '"labels_v2":[],"description":"YOLO v3","name":"YOLO v3",'
    . '"version":1}]';

# a: stale=0; b: stale=30s; c: lock_timeout=300ms; d: ttl=60s
my %cache = (
    a => 'ttl=1s',
    b => 'ttl=1s stale=30s',
    c => 'ttl=60s lock_timeout=' . (300 * $slow) . 'ms',
    d => 'ttl=60s',
);

my $servers = '';
for my $s (sort keys %cache) {
    $servers .= <<"_EOC_";
    server {
        listen 127.0.0.1:$port{$s} reuseport;
        location /api/lambda/ {
            lambda_gateway on;
            lambda_functions_cache z$s $cache{$s};
            add_header X-Cache-Status \$lambda_cache_status always;
            add_header X-Worker \$pid always;
            proxy_pass http://127.0.0.1:$port{mock}/mock/\$mock\$is_args\$args;
        }
        location = /purge { lambda_cache_purge z$s; }
    }
    lambda_cache_zone z$s:1m;
_EOC_
}

my $conf = join '', map { "load_module $_;\n" } @modules;
$conf .= <<"_EOC_";
worker_processes 4;
master_process on;
error_log logs/error.log @{[ $ENV{TEST_NGINX_LOG_LEVEL} || 'info' ]};
pid logs/nginx.pid;
@{[ $> == 0 ? 'user root;' : '' ]}
events { worker_connections 256; accept_mutex off; }
http {
    access_log off;
    client_body_temp_path $root/tmp;
    proxy_temp_path $root/tmp;
    log_format mock '\$request_method \$request_uri \$http_authorization';

    map \$http_x_mock \$mock {
        ""       slow;
        default  \$http_x_mock;
    }

$servers
    server {
        listen 127.0.0.1:$port{mock};
        access_log logs/mock.log mock;
        default_type application/vnd.cvat+json;
        location = /mock/slow { echo_sleep @{[ 0.5 * $slow ]}; echo -n '$list'; }
        location = /mock/hang { echo_sleep @{[ 1.5 * $slow ]}; echo -n '$list'; }
        location = /mock/ok { return 200 '$list'; }
    }
}
_EOC_

open my $fh, '>', "$root/conf/nginx.conf" or die "$root/conf/nginx.conf: $!\n";
print $fh $conf;
close $fh;

# --- nginx ----------------------------------------------------------------

my $pid;

sub start_nginx {
    my @cmd = ($nginx, '-p', "$root/", '-c', 'conf/nginx.conf',
               '-g', 'daemon off;');
    if ($valgrind) {
        unshift @cmd, 'valgrind', '--tool=memcheck', '--leak-check=full',
            '--trace-children=yes', '--child-silent-after-fork=no',
            "--log-file=$root/logs/valgrind.%p.log",
            (-f 't/valgrind.suppress'
             ? ('--suppressions=t/valgrind.suppress') : ());
    }
    $pid = fork() // die "fork: $!\n";
    if ($pid == 0) {
        open STDOUT, '>>', "$root/logs/stdout.log";
        open STDERR, '>>', "$root/logs/stderr.log";
        exec @cmd or die "exec: $!\n";
    }
}

sub stop_nginx {
    return unless $pid;
    kill 'QUIT', $pid;
    my $deadline = time + 30 * $slow;
    while (waitpid($pid, WNOHANG) == 0) {
        if (time > $deadline) {
            kill 'KILL', $pid;
            waitpid($pid, 0);
            last;
        }
        sleep 0.05;
    }
    undef $pid;
}

END { stop_nginx() }
$SIG{INT} = $SIG{TERM} = $SIG{HUP} = $SIG{PIPE} = sub { stop_nginx(); exit 1 };

sub workers {
    my $kids = `pgrep -P $pid 2>/dev/null`;
    return sort { $a <=> $b } grep { /^\d+$/ } split /\s+/, $kids;
}

start_nginx();

# up when every server answers and four workers run
{
    my $deadline = time + 30 * $slow;
    my $up = 0;
    while (time < $deadline) {
        my $n = grep {
            IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $port{$_}, Timeout => 1)
        } keys %port;
        if ($n == keys %port) { $up = 1; last }
        sleep 0.1;
    }
    BAIL_OUT("nginx did not start: " . slurp("$root/logs/error.log")) unless $up;
}

# --- clients --------------------------------------------------------------

sub slurp {
    my ($path) = @_;
    open my $f, '<', $path or return '';
    local $/;
    return <$f>;
}

# sends every request at once (one connection each), then reads all the
# answers; returns [status, X-Cache-Status, X-Worker, body, seconds]
sub concurrently {
    my ($server, $n, $headers) = @_;
    my (@socks, %start);
    for my $i (1 .. $n) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port{$server},
                                      Timeout => 5)
            or die "connect: $!\n";
        push @socks, $s;
    }
    my $t0 = time;
    for my $s (@socks) {
        print $s "GET /api/lambda/functions?org=acme HTTP/1.1\r\n"
               . "Host: localhost\r\n$headers"
               . "Connection: close\r\n\r\n";
    }
    my %buf = map { $_ => '' } @socks;
    my %done;
    my $sel = IO::Select->new(@socks);
    my $deadline = time + 20 * $slow;
    while ($sel->count && time < $deadline) {
        for my $s ($sel->can_read(0.5)) {
            my $got = sysread $s, my $chunk, 65536;
            if (!$got) {
                $done{$s} = time - $t0;
                $sel->remove($s);
                close $s;
                next;
            }
            $buf{$s} .= $chunk;
        }
    }
    my @out;
    for my $s (@socks) {
        my ($head, $body) = split /\r\n\r\n/, $buf{$s}, 2;
        $head //= '';
        $body = dechunk($body // '') if $head =~ /^Transfer-Encoding: chunked/mi;
        my ($code) = $head =~ m{^HTTP/1\.\d (\d+)};
        my ($cs) = $head =~ /^X-Cache-Status: (\S+)/mi;
        my ($w) = $head =~ /^X-Worker: (\d+)/mi;
        push @out, [$code // 0, $cs // '', $w // 0, $body // '',
                    $done{$s} // 99];
    }
    return @out;
}

sub dechunk {
    my ($raw) = @_;
    my $out = '';
    while ($raw =~ s/^([0-9a-fA-F]+)\r\n//) {
        my $n = hex $1;
        last if $n == 0;
        $out .= substr($raw, 0, $n, '');
        $raw =~ s/^\r\n//;
    }
    return $out;
}

sub one {
    my ($server, $headers) = @_;
    return (concurrently($server, 1, $headers))[0];
}

sub calls {
    my ($token) = @_;
    return scalar grep { / Token \Q$token\E$/ } split /\n/,
        slurp("$root/logs/mock.log");
}

sub statuses {
    my %n;
    $n{$_->[1]}++ for @_;
    return join ' ', map { "$_=$n{$_}" } sort keys %n;
}

sub workers_used {
    my %w = map { $_->[2] => 1 } @_;
    return scalar keys %w;
}

# --- 1. a cold miss: one fill, the others wait for it ---------------------

{
    my @r = concurrently('a', 30, "Authorization: Token cold\r\n");
    is(scalar(grep { $_->[0] == 200 && $_->[3] eq $list } @r), 30,
       'cold miss: 30 answers, all the list');
    is(statuses(@r), 'HIT=29 MISS=1', 'cold miss: one MISS, 29 HIT');
    is(calls('cold'), 1, 'cold miss: one upstream call for 30 requests');
    cmp_ok(workers_used(@r), '>', 1, 'cold miss: served by several workers');
}

# --- 2. an expired entry, stale=0: one refresh, the others wait -----------

{
    my $r = one('a', "Authorization: Token wait\r\n");
    is($r->[1], 'MISS', 'expired (stale=0): the first fill');
    sleep 1.2;
    my @r = concurrently('a', 30, "Authorization: Token wait\r\n");
    is(scalar(grep { $_->[0] == 200 && $_->[3] eq $list } @r), 30,
       'expired (stale=0): 30 answers, all the list');
    is(statuses(@r), 'EXPIRED=1 HIT=29',
       'expired (stale=0): one EXPIRED, 29 HIT after the refresh');
    is(calls('wait'), 2,
       'expired (stale=0): one upstream call for 30 requests');
    cmp_ok(workers_used(@r), '>', 1,
           'expired (stale=0): served by several workers');
}

# --- 3. an expired entry with stale: one refresh, the others UPDATING -----

{
    my $r = one('b', "Authorization: Token upd\r\n");
    is($r->[1], 'MISS', 'expired (stale=30s): the first fill');
    sleep 1.2;
    my @r = concurrently('b', 30, "Authorization: Token upd\r\n");
    is(scalar(grep { $_->[0] == 200 && $_->[3] eq $list } @r), 30,
       'expired (stale=30s): 30 answers, all the list');
    is(statuses(@r), 'EXPIRED=1 UPDATING=29',
       'expired (stale=30s): one EXPIRED, 29 UPDATING');
    is(calls('upd'), 2,
       'expired (stale=30s): one upstream call for 30 requests');
    my ($refresh) = grep { $_->[1] eq 'EXPIRED' } @r;
    my @updating = grep { $_->[1] eq 'UPDATING' } @r;
    is(scalar(grep { $_->[4] < $refresh->[4] } @updating), 29,
       'expired (stale=30s): UPDATING answers do not wait for the refresh');
}

# --- 4. lock_timeout: waiters give up and go upstream, uncached -----------

{
    my @r = concurrently('c', 5, "Authorization: Token slow\r\nX-Mock: hang\r\n");
    is(scalar(grep { $_->[0] == 200 && $_->[3] eq $list } @r), 5,
       'lock_timeout: 5 answers, all the list');
    is(statuses(@r), 'MISS=5', 'lock_timeout: all MISS');
    is(calls('slow'), 5, 'lock_timeout: the waiters went upstream');
    my $r = one('c', "Authorization: Token slow\r\nX-Mock: hang\r\n");
    is($r->[1], 'HIT', 'lock_timeout: the lease holder stored the list');
    is(calls('slow'), 5, 'lock_timeout: no call for the hit');
}

# --- 5. clients that go away while they wait ------------------------------

{
    my $filler = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                       PeerPort => $port{a}, Timeout => 5)
        or die "connect: $!\n";
    print $filler "GET /api/lambda/functions?org=acme HTTP/1.1\r\nHost: localhost\r\n"
        . "Authorization: Token gone\r\nConnection: close\r\n\r\n";
    sleep 0.1 * $slow;
    for (1 .. 5) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port{a}, Timeout => 5)
            or die "connect: $!\n";
        print $s "GET /api/lambda/functions?org=acme HTTP/1.1\r\nHost: localhost\r\n"
            . "Authorization: Token gone\r\nConnection: close\r\n\r\n";
        sleep 0.05;
        close $s;
    }
    local $/;
    my $answer = <$filler>;
    like($answer, qr/^HTTP\/1\.1 200 .*X-Cache-Status: MISS/s,
         'abort: the fill completes');
    my $r = one('a', "Authorization: Token gone\r\n");
    is($r->[1], 'HIT', 'abort: the entry is there');
    is(calls('gone'), 1, 'abort: one upstream call');
}

# --- 6. the zone keeps its entries across a reload ------------------------

{
    my $r = one('d', "Authorization: Token reload\r\nX-Mock: ok\r\n");
    is($r->[1], 'MISS', 'reload: filled');
    my @old = workers();
    kill 'HUP', $pid;
    my $deadline = time + 30 * $slow;
    my %old = map { $_ => 1 } @old;
    while (time < $deadline) {
        my @now = workers();
        last if @now == 4 && !grep { $old{$_} } @now;
        sleep 0.1;
    }
    my @now = workers();
    ok(@now == 4 && !grep({ $old{$_} } @now), 'reload: new workers');
    $r = one('d', "Authorization: Token reload\r\nX-Mock: ok\r\n");
    is($r->[1], 'HIT', 'reload: the entry survived');
    is(calls('reload'), 1, 'reload: one upstream call');
}

# --- 7. a purge during a fill: the answer fetched before it is not stored -

{
    my $filler = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                       PeerPort => $port{d}, Timeout => 5)
        or die "connect: $!\n";
    print $filler "GET /api/lambda/functions?org=acme HTTP/1.1\r\n"
        . "Host: localhost\r\nAuthorization: Token purged\r\n"
        . "Connection: close\r\n\r\n";
    sleep 0.2 * $slow;

    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $port{d}, Timeout => 5)
        or die "connect: $!\n";
    print $s "POST /purge HTTP/1.1\r\nHost: localhost\r\n"
        . "Content-Length: 0\r\nConnection: close\r\n\r\n";
    local $/;
    my $purge = <$s>;
    like($purge, qr/^HTTP\/1\.1 200 .*\{"purged":\d+\}/s,
         'purge during a fill: purged');

    my $answer = <$filler>;
    like($answer, qr/^HTTP\/1\.1 200 .*X-Cache-Status: MISS/s,
         'purge during a fill: the fill is answered');

    my $r = one('d', "Authorization: Token purged\r\nX-Mock: ok\r\n");
    is($r->[1], 'MISS', 'purge during a fill: its answer was not stored');
    $r = one('d', "Authorization: Token purged\r\nX-Mock: ok\r\n");
    is($r->[1], 'HIT', 'purge during a fill: the next fill was');
    is(calls('purged'), 2, 'purge during a fill: two upstream calls');
}

# --- the log, and valgrind's verdict --------------------------------------

stop_nginx();

my $log = slurp("$root/logs/error.log");
my @bad = grep { /\[(alert|crit|emerg)\]|exited on signal/ } split /\n/, $log;
is(scalar(@bad), 0, 'no [alert], [crit] or [emerg] in error.log')
    or diag(join "\n", @bad[0 .. ($#bad < 9 ? $#bad : 9)]);

# Under valgrind every process writes its own report.  nginx itself leaves
# a few blocks behind when a master/worker process exits (event arrays,
# the environment...); those are not this module's: a leak counts only if
# its stack goes through the module, any other error always counts.
if ($valgrind) {
    my @reports = glob("$root/logs/valgrind.*.log");
    my @errors;
    for my $f (@reports) {
        my $v = slurp($f);
        for my $rec (split /^==\d+== \n/m, $v) {
            next unless $rec =~ /^==\d+== (Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched|Source and destination|.*lost in loss record)/m;
            next if $rec =~ /lost in loss record/ && $rec !~ /ngx_http_lambda/;
            push @errors, $rec;
        }
    }
    ok(@reports > 0, 'valgrind: reports written');
    is(scalar(@errors), 0, 'valgrind: no memory errors in any process')
        or diag(join "\n", @errors);
}

done_testing();
