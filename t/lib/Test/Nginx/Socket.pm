package Test::Nginx::Socket;

# A small, independent implementation of the Test::Nginx::Socket block
# format (see t/README.md).  It was written from scratch for this project;
# it mirrors the observable semantics of openresty's Test::Nginx::Socket for
# the sections it supports, so that the same t/*.t files run under both.
#
# Life of one block:
#   1. (re)start nginx with a freshly generated conf/nginx.conf, or reload it
#      with SIGHUP (TEST_NGINX_USE_HUP), or run it expecting death (must_die);
#   2. for each repeat_each() round: fork the fake TCP server if asked, send
#      the request(s), check the response(s), check the error log part written
#      since the block started, check what the fake TCP server received;
#   3. under valgrind: stop nginx gracefully and check valgrind's report.

use strict;
use warnings;

use Test::Base -base;    # blocks(), filters and the Test::More functions

use File::Basename ();
use File::Path qw(make_path remove_tree);
use File::Spec ();
use File::Temp ();
use IO::Select ();
use IO::Socket::INET ();
use IO::Socket::UNIX ();
use JSON::PP ();
use List::Util qw(shuffle min);
use POSIX qw(:sys_wait_h EAGAIN EWOULDBLOCK EINTR);
use Socket qw(SOCK_STREAM);
use Test::LongString ();
use Time::HiRes qw(sleep time);

our $VERSION = '0.1';

our @EXPORT = qw(
    run_tests repeat_each no_shuffle log_level workers worker_connections
    master_on master_off master_process_enabled no_long_string
    no_root_location check_accum_error_log add_block_preprocessor
    env_to_nginx is_str server_port server_port_for_client server_root
    html_dir server_addr server_name timeout bail_out config_preamble
    add_cleanup_handler add_test_cleanup_handler use_hup
);

# ---------------------------------------------------------------------------
# Settings (environment variables first, then the exported setters)
# ---------------------------------------------------------------------------

our $NginxBinary  = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
our $LoadModules  = $ENV{TEST_NGINX_LOAD_MODULES} // '';
our $LogLevel     = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $Timeout      = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $UseHup       = $ENV{TEST_NGINX_USE_HUP};
our $UseValgrind  = $ENV{TEST_NGINX_USE_VALGRIND};
our $NoClean      = $ENV{TEST_NGINX_NO_CLEAN};
our $NoShuffle    = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $Sleep        = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $EventType    = $ENV{TEST_NGINX_EVENT_TYPE};
our $WorkerUser   = $ENV{TEST_NGINX_WORKER_USER};
our $Verbose      = $ENV{TEST_NGINX_VERBOSE};
our $CheckAccumErrLog = $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG};
our $MasterProcessEnabled = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';

our $ServerAddr        = '127.0.0.1';
our $ServerName        = 'localhost';
our $Workers           = 1;
our $WorkerConnections = 64;
our $RepeatEach        = 1;
our $NoLongString      = 0;
our $NoRootLocation    = 0;
our $ConfigPreamble    = '';
our @EnvToNginx;
our @BlockPreprocessors;
our @CleanupHandlers;
our @TestCleanupHandlers;

our $ServerPort = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;
our $ServerPortForClient = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;

if ($ENV{TEST_NGINX_RANDOMIZE}) {
    # for prove -jN: a port and a server root of our own
    srand($$ ^ int(time() * 1000));
    $ServerPort = gen_rand_port({}) or die "no free port for TEST_NGINX_RANDOMIZE\n";
    $ServerPortForClient = $ServerPort;
    $ENV{TEST_NGINX_SERVER_PORT} = $ServerPort;
}

if ($UseValgrind && $UseHup) {
    warn "# TEST_NGINX_USE_VALGRIND wins over TEST_NGINX_USE_HUP\n";
    undef $UseHup;
}

# Under valgrind nginx is much slower: stretch client timeouts and waits.
our $TimeoutFactor = $UseValgrind ? 3 : 1;

our $ServRoot = $ENV{TEST_NGINX_RANDOMIZE}
    ? File::Spec->rel2abs("t/servroot_$ServerPort")
    : File::Spec->rel2abs($ENV{TEST_NGINX_SERVROOT} || 't/servroot');
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;    # the name the real one exports
$ENV{TEST_NGINX_SERVROOT}  ||= $ServRoot;

our $LogDir      = "$ServRoot/logs";
our $ErrLogFile  = "$LogDir/error.log";
our $AccLogFile  = "$LogDir/access.log";
our $PidFile     = "$LogDir/nginx.pid";
our $HtmlDir     = "$ServRoot/html";
our $ConfDir     = "$ServRoot/conf";
our $ConfFile    = "$ConfDir/nginx.conf";
our $ValgrindLog = "$LogDir/valgrind.log";

# Run-time state
our $NginxVersion;         # e.g. 1.022001
our $ChildPid;             # nginx in the foreground (valgrind), our child
our $TcpServer;            # { pid, sock, query_file, unix_path }
our $PrevConfig;           # last --- config (expanded), for blocks without one
our $ConfigVersion = '';   # HUP mode: served on /ver to detect the reload
our $FirstStart = 1;
our $ErrLogPos = 0;        # error log offset already examined
our $RandPorts = {};       # TEST_NGINX_RAND_PORT_N of the current block
our $InSubprocess = 0;
our $Starting = 0;         # an nginx daemon may be on its way (pid file pending)

# The client-visible plan must stay right when valgrind adds one test point
# per block: turn "tests => N" into no_plan (documented in t/README.md).
if ($UseValgrind) {
    no warnings 'redefine';
    my $orig = \&Test::Builder::plan;
    *Test::Builder::plan = sub {
        my ($tb, $cmd, @rest) = @_;
        if (defined $cmd && $cmd eq 'tests') {
            warn "# valgrind mode: plan of @rest tests replaced by no_plan\n";
            return $orig->($tb, 'no_plan');
        }
        return $orig->(@_);
    };
}

# Stop our nginx and fake servers (END blocks) when interrupted, unless the
# test file handles these signals itself.
for my $sig (qw(INT TERM HUP PIPE)) {
    $SIG{$sig} = sub { exit 128 + 2 } if !$SIG{$sig} || $SIG{$sig} eq 'DEFAULT';
}

# ---------------------------------------------------------------------------
# Exported setters and getters
# ---------------------------------------------------------------------------

sub _getset { my ($ref, @v) = @_; $$ref = $v[0] if @v; return $$ref }

sub repeat_each            { _getset(\$RepeatEach, @_) }
sub workers                { _getset(\$Workers, @_) }
sub worker_connections     { _getset(\$WorkerConnections, @_) }
sub log_level              { _getset(\$LogLevel, @_) }
sub timeout                { _getset(\$Timeout, @_) }
sub server_port            { _getset(\$ServerPort, @_) }
sub server_port_for_client { _getset(\$ServerPortForClient, @_) }
sub server_addr            { _getset(\$ServerAddr, @_) }
sub server_name            { _getset(\$ServerName, @_) }
sub config_preamble        { _getset(\$ConfigPreamble, @_) }
sub no_shuffle ()          { $NoShuffle = 1 }
sub no_long_string ()      { $NoLongString = 1 }
sub no_root_location ()    { $NoRootLocation = 1 }
sub check_accum_error_log () { $CheckAccumErrLog = 1 }
sub master_on ()           { $MasterProcessEnabled = 'on' }
sub master_off ()          { $MasterProcessEnabled = 'off' }
sub use_hup ()             { $UseHup = 1 unless $UseValgrind }
sub server_root ()         { $ServRoot }
sub html_dir ()            { $HtmlDir }
sub env_to_nginx           { push @EnvToNginx, @_ }
sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler ($)    { unshift @CleanupHandlers, shift }
sub add_test_cleanup_handler ($) { unshift @TestCleanupHandlers, shift }

sub master_process_enabled {
    $MasterProcessEnabled = $_[0] ? 'on' : 'off' if @_;
    return $MasterProcessEnabled;
}

sub is_str {
    my ($got, $expected, $desc) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    return $NoLongString ? Test::More::is($got, $expected, $desc)
                         : Test::LongString::is_string($got, $expected, $desc);
}

sub bail_out {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

# A mistake in a block (bad section value, nginx not startable...) fails
# that block and the file goes on with the next one.
sub block_error {
    die bless { msg => join('', @_) }, 'Test::Nginx::Socket::BlockError';
}

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

sub debug { warn "# @_\n" if $Verbose }

# "1.5" => 1.5, "50ms" => 0.05, "2s" => 2
sub parse_time {
    my ($t) = @_;
    return undef unless defined $t;
    $t =~ s/^\s+|\s+$//g;
    return $1 / 1000 if $t =~ /^([\d.]+)ms$/;
    return $1 if $t =~ /^([\d.]+)s?$/;
    block_error("bad time value \"$t\"");
}

sub read_file {
    my ($path, $offset) = @_;
    open my $fh, '<', $path or return undef;
    binmode $fh;
    seek $fh, $offset, 0 if $offset;
    local $/;
    my $data = <$fh>;
    close $fh;
    return $data // '';
}

sub write_file {
    my ($path, $data) = @_;
    open my $fh, '>', $path or block_error("cannot write $path: $!");
    binmode $fh;
    print $fh $data;
    close $fh;
}

sub rand_str { join '', map { ('a' .. 'z', 0 .. 9)[rand 36] } 1 .. $_[0] }

# A free TCP port on 127.0.0.1, avoiding $used (a hash) and the ephemeral
# port range so that outgoing connections cannot steal it later.
sub gen_rand_port {
    my ($used) = @_;
    for (1 .. 1000) {
        my $port = 10000 + int rand 22000;
        next if $used->{$port} || $port == $ServerPort;
        my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
            LocalPort => $port, Proto => 'tcp', Listen => 1, ReuseAddr => 1);
        next unless $sock;
        close $sock;
        return $port;
    }
    return undef;
}

# Replace $TEST_NGINX_* by the environment; $TEST_NGINX_RAND_PORT_N by a
# free port that stays the same for the whole block.
sub expand_env {
    my ($text) = @_;
    return undef unless defined $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $var = $1;
        if ($var =~ /^TEST_NGINX_RAND_PORT_\d+$/) {
            if (!defined $RandPorts->{$var}) {
                my $port = gen_rand_port({ map { $_ => 1 } values %$RandPorts })
                    // block_error("no free port for $var");
                $RandPorts->{$var} = $port;
            }
            $RandPorts->{$var};
        } else {
            defined $ENV{$var} ? $ENV{$var}
                               : block_error("no environment variable $var defined");
        }
    }ge;
    return $text;
}

# Reaps our own children, then asks the kernel.  An exited daemon stays a
# zombie until init reaps it (slowly, on some systems): that is not running.
sub is_running {
    my ($pid) = @_;
    return 0 unless $pid;
    waitpid($pid, WNOHANG);
    return 0 unless kill 0, $pid;
    my $stat = read_file("/proc/$pid/stat") // return 1;
    return $stat =~ /^\d+ \(.*\) Z/s ? 0 : 1;
}

# Guard against a stale pid file pointing to a recycled pid.
sub looks_like_nginx {
    my ($pid) = @_;
    my $cmd = read_file("/proc/$pid/cmdline") // return 1;   # no /proc: trust it
    return $cmd =~ /nginx|valgrind|memcheck/;
}

# Sends $sig to $pid, waits up to $wait seconds, then SIGKILLs it (and its
# process group when it leads one, so nginx workers go too).
sub stop_process {
    my ($pid, $sig, $wait, $what) = @_;
    return unless is_running($pid);
    kill $sig, $pid;
    my $deadline = time + $wait;
    sleep 0.02 while is_running($pid) && time < $deadline;
    return unless is_running($pid);
    warn "# $what (pid $pid) did not exit after SIG$sig; killing it\n";
    my $pgrp = getpgrp($pid);
    kill 'KILL', (defined $pgrp && $pgrp == $pid) ? -$pid : $pid;
    $deadline = time + 5;
    sleep 0.02 while is_running($pid) && time < $deadline;
}

# Runs a command with stdout+stderr appended to $out; returns $?.
sub run_cmd {
    my ($argv, $out) = @_;
    my $pid = fork // block_error("fork failed: $!");
    if ($pid == 0) {
        $InSubprocess = 1;
        open STDOUT, '>>', $out or POSIX::_exit(126);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(126);
        exec { $argv->[0] } @$argv or POSIX::_exit(127);
    }
    waitpid($pid, 0);
    return $?;
}

sub nginx_version {
    my $out = `$NginxBinary -V 2>&1`;
    return undef unless $out =~ m{nginx version: \S+?/(\d+)\.(\d+)\.(\d+)};
    return sprintf('%d.%03d%03d', $1, $2, $3);
}

sub fmt_str {
    my ($s) = @_;
    chomp $s;
    $s =~ s/"/\\"/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return $s;
}

# A value that may be an array of per-request values.
sub indexed_value {
    my ($value, $idx, $need_array) = @_;
    if (ref $value eq 'ARRAY') {
        return $value->[$need_array ? $idx : 0];
    }
    block_error("several requests were sent, so the expected values must be arrays too")
        if $need_array;
    return $value;
}

# ---------------------------------------------------------------------------
# Server root and nginx.conf
# ---------------------------------------------------------------------------

# $reload: HUP mode, nginx keeps running: keep the pid file and the temp
# directories, drop the logs (nginx recreates them on SIGUSR1).
sub setup_server_root {
    my ($reload) = @_;
    if ($reload) {
        remove_tree($ConfDir, $HtmlDir);
        unlink $ErrLogFile, $AccLogFile;
    } else {
        # only what we create ourselves, in case TEST_NGINX_SERVROOT is misused
        remove_tree($ConfDir, $HtmlDir, $LogDir,
                    glob("$ServRoot/*_temp"), glob("$ServRoot/*_cache"));
    }
    make_path($ServRoot, $LogDir, $HtmlDir, $ConfDir);
    write_file("$HtmlDir/index.html",
        '<html><head><title>It works!</title></head><body>It works!</body></html>');
}

# --- user_files: ">>> name" lines, each followed by the file's content.
sub write_user_files {
    my ($block) = @_;
    my $files = $block->user_files // return;
    if (!ref $files) {
        my @list;
        for my $line (split /^/, $files) {
            if ($line =~ /^>>> (\S+)/) { push @list, [$1, ''] }
            elsif (@list)              { $list[-1][1] .= $line }
        }
        $files = \@list;
    }
    for my $f (@$files) {
        my $path = $f->[0] =~ m{^/} ? $f->[0] : "$HtmlDir/$f->[0]";
        make_path(File::Basename::dirname($path));
        write_file($path, expand_env($f->[1] // ''));
    }
}

sub write_config {
    my ($block, $config) = @_;
    my $http_config = expand_env($block->http_config // '');
    my $main_config = expand_env($block->main_config // '');
    my $post_main   = expand_env($block->post_main_config // '');
    my $daemon = $UseValgrind ? 'off' : 'on';
    my $master = $UseValgrind ? 'off' : $UseHup ? 'on' : $MasterProcessEnabled;

    my $conf = '';
    $conf .= "load_module $_;\n" for grep { length } split /\s+/, $LoadModules;
    $conf .= <<"_EOC_";
worker_processes  $Workers;
daemon $daemon;
master_process $master;
error_log logs/error.log $LogLevel;
pid       logs/nginx.pid;
_EOC_
    for my $v (@EnvToNginx) {
        $conf .= $v =~ /\s/ ? "env '$v';\n" : "env $v;\n";
    }

    # Debian's binary defaults to /var/lib/nginx/*: keep everything inside
    # the server root (unless the block sets a path itself).
    my $temp = '';
    for my $kind (qw(client_body proxy fastcgi uwsgi scgi)) {
        next if $http_config =~ /\b${kind}_temp_path\b/;
        $temp .= "    ${kind}_temp_path $ServRoot/${kind}_temp;\n";
    }

    my $root_location = $NoRootLocation ? '' : <<"_EOC_";
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_

    # HUP mode: a second virtual server answers the config version, so we
    # can tell when the reload has taken effect.
    my $version_server = !$UseHup ? '' : <<"_EOC_";
    server {
        listen          $ServerAddr:$ServerPort;
        server_name     'Test-Nginx';
        location = /ver {
            return 200 '$ConfigVersion';
        }
    }
_EOC_

    $conf .= <<"_EOC_";

$main_config

http {
    access_log logs/access.log;
$temp
    default_type text/plain;
    keepalive_timeout  68;

$http_config

    server {
        listen          $ServerAddr:$ServerPort;
        server_name     '$ServerName';
        client_max_body_size 30M;

$ConfigPreamble

        # Begin test case config...
$config
        # End test case config.

$root_location    }
$version_server}

$post_main

events {
    accept_mutex off;
    worker_connections  $WorkerConnections;
_EOC_
    $conf .= "    use $EventType;\n" if $EventType;
    $conf .= "}\n";
    # Workers switch to "nobody" when the master runs as root; keep root so
    # they can use the server root.
    if (defined $WorkerUser) { $conf .= "user $WorkerUser;\n" }
    elsif ($> == 0)          { $conf .= "user root;\n" }

    write_file($ConfFile, $conf);
}

# ---------------------------------------------------------------------------
# nginx life cycle
# ---------------------------------------------------------------------------

sub nginx_argv {
    return ($NginxBinary, '-p', "$ServRoot/", '-c', 'conf/nginx.conf',
            '-e', $ErrLogFile);
}

sub valgrind_argv {
    my @opts;
    if ($UseValgrind =~ /^\d+$/) {
        @opts = ('--tool=memcheck', '--leak-check=full', '--num-callers=50',
                 '--show-leak-kinds=definite,indirect',
                 '--errors-for-leak-kinds=definite,indirect',
                 '--gen-suppressions=all');
        my $supp = suppression_file();
        push @opts, "--suppressions=$supp" if $supp;
    } else {
        @opts = split ' ', $UseValgrind;    # custom options, as given
    }
    return ('valgrind', @opts, "--log-file=$ValgrindLog");
}

sub suppression_file {
    my $beside = File::Spec->rel2abs(
        File::Basename::dirname(__FILE__) . '/../../../valgrind.suppress');
    for my $f ($ENV{TEST_NGINX_VALGRIND_SUPPRESS}, 't/valgrind.suppress', $beside) {
        return File::Spec->rel2abs($f) if defined $f && -f $f;
    }
    return undef;
}

sub nginx_pid {
    return $ChildPid if $ChildPid;
    my $pid = read_file($PidFile) // return undef;
    $pid =~ s/\s+//g;
    return ($pid =~ /^\d+$/ && looks_like_nginx($pid)) ? $pid : undef;
}

sub wait_for_pid_file {
    my ($secs, $child) = @_;
    my $deadline = time + $secs;
    while (time < $deadline) {
        my $pid = read_file($PidFile);
        return 1 if defined $pid && $pid =~ /^\d+\s*$/;
        return 0 if $child && !is_running($child);
        sleep 0.02;
    }
    return 0;
}

sub stop_nginx {
    my $pid = nginx_pid();
    if ($pid) {
        debug("stopping nginx $pid");
        stop_process($pid, 'QUIT', ($UseValgrind ? 60 : 10), 'nginx');
    }
    if ($ChildPid) {
        waitpid($ChildPid, 0);
        undef $ChildPid;
    }
    unlink $PidFile;
}

sub startup_errors {
    my $log = read_file($ErrLogFile) // '';
    my $out = read_file("$LogDir/nginx.out") // '';
    my @lines = grep { /\[(emerg|alert|crit)\]/ || /nginx: / } split /\n/, "$log\n$out";
    return join "\n", @lines[0 .. min($#lines, 19)];
}

# Starts nginx from scratch; returns false (after a failing test point) if
# it cannot be started.
sub start_nginx {
    my ($name) = @_;
    my @argv = nginx_argv();

    if ($UseValgrind) {
        unlink $ValgrindLog;
        my $pid = fork // block_error("fork failed: $!");
        if ($pid == 0) {
            $InSubprocess = 1;
            setpgrp(0, 0);
            open STDOUT, '>>', "$LogDir/nginx.out";
            open STDERR, '>&', \*STDOUT;
            exec { 'valgrind' } valgrind_argv(), @argv or POSIX::_exit(127);
        }
        $ChildPid = $pid;
        return 1 if wait_for_pid_file(120, $pid);
        fail("$name - nginx did not start under valgrind");
        my @vg = split /^/, read_file($ValgrindLog) // '';
        diag(startup_errors() . "\n" . join '', @vg[-min(15, scalar @vg) .. -1]);
        stop_nginx();
        return 0;
    }

    for my $try (1 .. 3) {
        $Starting = 1;    # not local(): exit() unwinds it before END runs
        my $status = run_cmd(\@argv, "$LogDir/nginx.out");
        $Starting = 0;
        if ($status == 0) {
            return 1 if wait_for_pid_file(5);
            fail("$name - nginx started but wrote no pid file");
            return 0;
        }
        # nginx already retried bind() for 2.5 s; give a dying
        # predecessor a little more time, then give up
        last unless (read_file($ErrLogFile) // '') =~ /Address already in use/;
        sleep 0.5;
    }
    fail("$name - cannot start nginx");
    diag(startup_errors());
    return 0;
}

# HUP mode: reopen the logs, reload, and wait until /ver shows the new
# config version several times in a row and the old workers stopped
# accepting connections.
sub reload_nginx {
    my ($name, $pid) = @_;
    my @old_workers = child_pids($pid);
    kill 'USR1', $pid;
    sleep $Sleep;
    kill 'HUP', $pid;
    sleep $Sleep * 3;
    my ($hits, $deadline) = (0, time + 10);
    while (time < $deadline) {
        my $raw = http_roundtrip([{ value =>
            "GET /ver HTTP/1.0\r\nHost: Test-Nginx\r\nConnection: close\r\n\r\n" }],
            2, undef, 1);
        my $res = parse_response($name, $raw // '', 0, 1);
        if (($res->{body} // '') eq $ConfigVersion) {
            $hits++;
            # nginx signals the old workers only ~100ms after starting the
            # new ones, and until then both accept: wait for the old ones
            if ($hits >= 20) {
                wait_old_workers(\@old_workers, $deadline);
                return 1;
            }
            next;
        }
        $hits = 0;
        sleep 0.02;
    }
    fail("$name - nginx did not reload the configuration (HUP)");
    diag(startup_errors());
    return 0;
}

sub child_pids {
    my ($pid) = @_;
    return split ' ', read_file("/proc/$pid/task/$pid/children") // '';
}

# HUP mode: wait until each pre-reload worker has exited or is "shutting
# down" (its title changes just before it closes the listening sockets; it
# may still finish a request of a previous block).
sub wait_old_workers {
    my ($old, $deadline) = @_;
    for my $pid (@$old) {
        sleep 0.01 while time < $deadline && is_running($pid)
            && (read_file("/proc/$pid/cmdline") // '') !~ /shutting down/;
    }
    sleep $Sleep;
}

# Gets nginx running with this block's config: by SIGHUP in HUP mode when
# an nginx is already up, otherwise by a restart (as the real harness does
# by default, every block gets a fresh nginx).
sub prepare_nginx {
    my ($block, $config) = @_;
    my $name = $block->name;
    my $pid = nginx_pid();
    $ConfigVersion = rand_str(10) if $UseHup;

    if ($UseHup && !$FirstStart && is_running($pid)) {
        setup_server_root(1);
        write_user_files($block);
        write_config($block, $config);
        debug("reloading nginx $pid (HUP)");
        return reload_nginx($name, $pid);
    }
    $FirstStart = 0;
    stop_nginx();
    setup_server_root(0);
    write_user_files($block);
    write_config($block, $config);
    debug("starting nginx");
    return start_nginx($name);
}

# --- must_die: nginx must fail to start (a bad directive...).
sub run_must_die {
    my ($block, $config) = @_;
    my $name = $block->name;
    my $must_die = $block->must_die;
    stop_nginx();
    setup_server_root(0);
    write_user_files($block);
    write_config($block, $config);
    $ErrLogPos = 0;
    for my $rep (0 .. $RepeatEach - 1) {
        my $status = run_cmd([nginx_argv()], "$LogDir/nginx.out");
        my $code = $status >> 8;
        if ($status & 127) {
            fail("$name - nginx was killed by signal " . ($status & 127));
        } elsif ($must_die =~ /^\s*(\d+)\s*$/) {
            is($code, $1, "$name - die with the expected exit code");
        } else {
            isnt($status, 0, "$name - die as expected");
        }
        check_error_log($block, $rep, 0);
        if ($status == 0) {
            warn "# WARNING: $name - nginx must die but it does not; stopping it\n";
            wait_for_pid_file(3);
            stop_nginx();
        }
    }
    undef $PrevConfig;    # no nginx left to reuse
}

# ---------------------------------------------------------------------------
# Fake TCP server (tcp_listen, tcp_reply, ...)
# ---------------------------------------------------------------------------

sub start_tcp_server {
    my ($block) = @_;
    my $name = $block->name;
    my $target = expand_env(scalar $block->tcp_listen);
    $target =~ s/^\s+|\s+$//g;
    my $reply = $block->tcp_reply;
    block_error("--- tcp_listen needs --- tcp_reply")
        if !defined $reply && !defined $block->tcp_shutdown;

    my $req_len = $block->tcp_query_len;
    $req_len = length $block->tcp_query if !defined $req_len && defined $block->tcp_query;
    my $query_file;
    if (defined $req_len) {
        (undef, $query_file) = File::Temp::tempfile('tcp-query-XXXXXX', TMPDIR => 1);
    }

    my ($sock, $unix_path);
    for my $try (1 .. 20) {
        if ($target =~ /^\d+$/) {
            $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                LocalPort => $target, Proto => 'tcp', ReuseAddr => 1, Listen => 5);
        } elsif ($target =~ /\.sock$/) {
            unlink $target;
            $unix_path = $target;
            $sock = IO::Socket::UNIX->new(Local => $target, Type => SOCK_STREAM,
                                          Listen => 5);
        } else {
            block_error("bad --- tcp_listen target \"$target\"");
        }
        last if $sock;
        sleep 0.25;
    }
    block_error("cannot listen on $target: $!") unless $sock;

    my $pid = fork // block_error("fork failed: $!");
    if ($pid == 0) {
        $InSubprocess = 1;
        $SIG{$_} = 'DEFAULT' for qw(TERM INT HUP);
        $SIG{PIPE} = 'IGNORE';    # nginx may hang up first: not our business
        # never let a die() escape into the parent's code path
        eval { tcp_server_loop($block, $sock, $req_len, $query_file, $reply); 1 }
            or warn "# fake TCP server: " . (ref $@ ? $@->{msg} : $@) . "\n";
        POSIX::_exit(0);
    }
    debug("fake TCP server $pid on $target");
    $TcpServer = { pid => $pid, sock => $sock, query_file => $query_file,
                   unix_path => $unix_path };
}

# Child side: serve one connection, like the real harness.
sub tcp_server_loop {
    my ($block, $sock, $req_len, $query_file, $reply) = @_;
    my $client;
    $client = $sock->accept until $client;

    my ($no_read, $no_write);
    if (defined(my $how = $block->tcp_shutdown)) {
        sleep parse_time(scalar $block->tcp_shutdown_delay) if $block->tcp_shutdown_delay;
        shutdown $client, $how;
        $how == 1 ? ($no_write = 1) : ($no_read = 1);
    }

    my $buf = '';
    until ($no_read) {
        my $n = sysread $client, my $chunk, 4096;
        last unless $n;
        $buf .= $chunk;
        if ($query_file) {    # rewrite atomically so the parent never sees half a file
            open my $fh, '>', "$query_file.tmp" or last;
            print $fh $buf;
            close $fh;
            rename "$query_file.tmp", $query_file;
        }
        last if !$req_len || length $buf >= $req_len;
    }

    my $delay = parse_time(scalar $block->tcp_reply_delay);
    sleep $delay if $delay;

    if (!$no_write && defined $reply) {
        $reply = $reply->($buf) if ref $reply eq 'CODE';
        for my $r (ref $reply eq 'ARRAY' ? @$reply : ($reply)) {
            my $off = 0;
            while ($off < length $r) {
                my $n = syswrite $client, $r, length($r) - $off, $off;
                last unless $n;
                $off += $n;
            }
        }
    }
    sleep 3600 while defined $block->tcp_no_close;    # until killed
    close $client;
}

sub check_tcp_query {
    my ($block) = @_;
    my $name = $block->name;
    my $got = read_file($TcpServer->{query_file} // '') // '';
    is_str($got, $block->tcp_query, "$name - tcp_query ok") if defined $block->tcp_query;
    is(length $got, $block->tcp_query_len, "$name - TCP query length ok")
        if defined $block->tcp_query_len;
}

sub stop_tcp_server {
    my $srv = $TcpServer // return;
    undef $TcpServer;
    stop_process($srv->{pid}, 'TERM', 2, 'fake TCP server');
    waitpid($srv->{pid}, 0);
    close $srv->{sock};
    unlink $srv->{query_file}, "$srv->{query_file}.tmp" if $srv->{query_file};
    unlink $srv->{unix_path} if $srv->{unix_path};
}

# ---------------------------------------------------------------------------
# Building requests
# ---------------------------------------------------------------------------

# --- more_headers: "Name: value" lines; returns (CRLF text, is_chunked)
sub parse_more_headers {
    my ($text) = @_;
    my ($out, $chunked) = ('', 0);
    for my $line (split /\n+/, $text // '') {
        next if $line =~ /^\s*#/;
        my ($key, $val) = split /:\s*/, $line, 2;
        $val //= '';
        $chunked = 1 if lc $key eq 'transfer-encoding' && $val eq 'chunked';
        $out .= "$key: $val\r\n";
    }
    return ($out, $chunked);
}

# Turns "METHOD /uri [HTTP/x]\nbody" (possibly split in packets) into a
# full request: Host and Connection added unless given, body trimmed and
# Content-Length added unless chunked or given.  Packet boundaries are kept
# at the matching places of the new text.
sub build_request {
    my ($name, $packets, $more_headers, $conn) = @_;
    my @values = map { ref $_ eq 'HASH' ? $_->{value} : $_ } @$packets;
    my $raw = join '', @values;
    my ($first, $content) = $raw =~ /\A([^\n]*\n?)(.*)\z/s;
    $first =~ /^(\s*)(\S+)( *)((\S+)( *))?((\S+)( *))?(\s*)$/
        or block_error("request line should be \"METHOD [URI [VERSION]]\", not \"$first\"");
    my ($method, $uri, $version) = ($2, $5 // '/', $8 // 'HTTP/1.1');

    my ($hdr, $chunked) = parse_more_headers($more_headers);
    my ($body, $lead, $len_header) = ($content, 0, '');
    if (!$chunked && $content ne '' && $hdr !~ /(?:^|\n)Content-Length:/) {
        $lead = length(($content =~ /^(\s*)/)[0]);
        $body =~ s/^\s+|\s+$//gs;
        $len_header = 'Content-Length: ' . length($body) . "\r\n";
    }
    my $line = "$method $uri $version\r\n";
    my $head = $line;
    $head .= "Host: $ServerName\r\n" unless $hdr =~ /(?:^|\n)Host:/msi;
    $head .= "Connection: $conn\r\n" unless $hdr =~ /(?:^|\n)Connection/msi;
    $head .= "$hdr$len_header\r\n";
    my $req = $head . $body;

    # map each original packet boundary onto the new text
    my (@cuts, $pos);
    $pos = 0;
    for my $v (@values[0 .. $#values - 1]) {
        $pos += length $v;
        my $at;
        if ($pos < length $first) { $at = min($pos, length $line) }
        elsif ($pos == length $first) { $at = length $head }
        else {
            my $off = $pos - length($first) - $lead;
            $at = length($head) + ($off < 0 ? 0 : min($off, length $body));
        }
        push @cuts, $at;
    }
    my @out;
    my $prev = 0;
    for my $i (0 .. $#values) {
        my $end = $i < $#values ? $cuts[$i] : length $req;
        $end = $prev if $end < $prev;
        my %pkt = ref $packets->[$i] eq 'HASH' ? %{ $packets->[$i] } : ();
        push @out, { %pkt, value => substr($req, $prev, $end - $prev) };
        $prev = $end;
    }
    return \@out;
}

# Returns a list of requests, each an array of packets { value, delay_before }.
sub requests_from_block {
    my ($block) = @_;
    my $name = $block->name;

    if (defined(my $raw = $block->raw_request)) {    # sent byte-exact
        return [[ map { { value => $_ } } ref $raw eq 'ARRAY' ? @$raw : ($raw) ]];
    }

    my $more = $block->more_headers // '';
    my $hdr_for = sub {
        my ($i) = @_;
        return $more unless ref $more eq 'ARRAY';
        return $more->[$i] // block_error("--- more_headers lacks data for request $i");
    };

    if (my $reqs = $block->pipelined_requests) {
        block_error("--- pipelined_requests must be an array (use eval)")
            unless ref $reqs eq 'ARRAY';
        my $all = '';
        for my $i (0 .. $#$reqs) {
            my $conn = $i == $#$reqs ? 'close' : 'keep-alive';
            my $r = build_request($name, [expand_env($reqs->[$i])], $hdr_for->($i), $conn);
            $all .= $r->[0]{value};
        }
        return [[{ value => $all }]];
    }

    my $request = $block->request;
    block_error("no --- request, --- raw_request or --- pipelined_requests")
        unless defined $request;
    if (!ref $request) {
        1 while $request =~ s/^\s*\#[^\n]+\s+|^\s+//gs;    # leading comments
        return [ build_request($name, [$request], $hdr_for->(0), 'close') ];
    }
    block_error("--- request must be a string or an array")
        unless ref $request eq 'ARRAY';
    my @list;
    for my $i (0 .. $#$request) {
        my $one = $request->[$i];
        my $packets = ref $one eq 'ARRAY' ? $one : [$one];
        push @list, build_request($name, $packets, $hdr_for->($i), 'close');
    }
    return \@list;
}

# ---------------------------------------------------------------------------
# HTTP client
# ---------------------------------------------------------------------------

sub connect_to_server {
    my ($quiet) = @_;
    my $deadline = time + 5 * $TimeoutFactor;
    while (1) {
        my $sock = IO::Socket::INET->new(PeerAddr => $ServerAddr,
            PeerPort => $ServerPortForClient, Proto => 'tcp', Timeout => 2);
        return $sock if $sock;
        my $err = $!;
        if (time >= $deadline) {
            warn "# cannot connect to $ServerAddr:$ServerPortForClient: $err\n" unless $quiet;
            return undef;
        }
        sleep 0.05;
    }
}

# Sends the packets and reads until the server closes the connection or
# stays silent for $timeout seconds.  Returns the raw response, or undef
# when connecting failed.  $timed_out is set through the hash, if given.
sub http_roundtrip {
    my ($packets, $timeout, $opts, $quiet) = @_;
    $opts //= {};
    my $sock = connect_to_server($quiet) // return undef;
    $sock->blocking(0);
    local $SIG{PIPE} = 'IGNORE';

    my @queue = @$packets;
    my $buf = (shift @queue)->{value} // '';
    my ($off, $resp, $writing) = (0, '', 1);
    my $sel = IO::Select->new($sock);
    my $idle_since = time;

    while (1) {
        my $left = $timeout - (time - $idle_since);
        if ($left <= 0) { $opts->{timed_out} = 1; last }
        my ($r, $w) = IO::Select->select($sel, $writing ? $sel : undef, undef, $left);
        next unless $r || $w;    # timeout or EINTR: re-checked above

        if ($w && @$w) {
            my $n = syswrite $sock, $buf, length($buf) - $off, $off;
            if (defined $n) {
                $off += $n;
                $idle_since = time;
            } elsif ($! != EAGAIN && $! != EWOULDBLOCK && $! != EINTR) {
                $writing = 0;    # the server hung up early: still read its answer
            }
            while ($writing && $off >= length $buf) {
                my $next = shift @queue;
                if (!$next) {
                    $writing = 0;
                    if (defined(my $how = $opts->{shutdown})) {
                        shutdown $sock, ($how =~ /^\s*$/ ? 1 : $how);
                    }
                    last;
                }
                my $delay = $next->{delay_before} // $opts->{middle_delay};
                sleep parse_time($delay) if $delay;
                ($buf, $off) = ($next->{value} // '', 0);
                $idle_since = time;
            }
        }
        if ($r && @$r) {
            my $n = sysread $sock, my $chunk, 16384;
            if (defined $n) {
                last if $n == 0;
                $resp .= $chunk;
                $idle_since = time;
            } elsif ($! != EAGAIN && $! != EWOULDBLOCK && $! != EINTR) {
                last;    # ECONNRESET...: keep what we got
            }
        }
    }
    close $sock;
    return $resp;
}

# Parses one response from the front of $raw.  Returns a hash:
# code ('' if none), headers ([name, value] pairs), raw_headers, body,
# left (bytes after this response, for pipelining).
sub parse_response {
    my ($name, $raw, $head_req, $quiet) = @_;
    my %res = (code => '', headers => [], raw_headers => '', body => '', left => '');
    $res{raw_headers} = $1 if $raw =~ /\A(.*?\r\n)\r\n/s;

    my ($head, $rest);
    if ($raw =~ /\A(.*?)\r?\n\r?\n(.*)\z/s) { ($head, $rest) = ($1, $2) }
    else { ($head, $rest) = ($raw, '') }
    my ($status, @lines) = split /\r?\n/, $head;
    return \%res unless defined $status && $status =~ m{^HTTP/\d+\.\d+\s+(\d{3})\b};
    $res{code} = $1;
    for (@lines) {
        push @{ $res{headers} }, [$1, $2] if /^([^:\s]+)\s*:\s*(.*?)\s*$/;
    }

    my $te  = response_header(\%res, 'Transfer-Encoding');
    my $len = response_header(\%res, 'Content-Length');
    if ($head_req || $res{code} =~ /^(1\d\d|204|304)$/) {
        $res{left} = $rest;
    } elsif (defined $te && $te =~ /\bchunked\b/i) {
        decode_chunked($name, \%res, $rest, $quiet);
    } elsif (defined $len && $len =~ /^\d+$/) {
        if (length $rest < $len) {
            warn "# WARNING: $name - response body truncated: $len expected, got "
                . length($rest) . "\n" unless $quiet;
            $res{body} = $rest;
        } else {
            $res{body} = substr $rest, 0, $len;
            $res{left} = substr $rest, $len;
        }
    } else {
        $res{body} = $rest;    # delimited by the connection close
    }
    return \%res;
}

sub decode_chunked {
    my ($name, $res, $raw, $quiet) = @_;
    my $body = '';
    pos($raw) = 0;
    while (1) {
        if ($raw =~ /\G[ \t]*([0-9a-fA-F]+)[^\r\n]*\r\n/gc) {
            my $size = hex $1;
            if ($size == 0) {
                $raw =~ /\G(?:[^\r\n]+\r\n)*\r\n/gc    # trailers
                    or $quiet or fail("$name - invalid chunked data (no final CRLF)");
                $res->{left} = substr $raw, pos($raw) // length $raw;
                last;
            }
            if (length($raw) - pos($raw) < $size) {
                fail("$name - invalid chunked data (chunk shorter than $size bytes)")
                    unless $quiet;
                $body .= substr $raw, pos($raw);
                last;
            }
            $body .= substr $raw, pos($raw), $size;
            pos($raw) += $size;
            next if $raw =~ /\G\r\n/gc;
            fail("$name - invalid chunked data (no CRLF after a chunk)") unless $quiet;
            last;
        }
        fail("$name - invalid chunked data or no last chunk: \""
             . fmt_str(substr $raw, pos($raw) // 0, 60) . '"') unless $quiet;
        last;
    }
    $res->{body} = $body;
}

# Header value as HTTP::Headers gives it: case-insensitive, "_" taken as
# "-", several values joined with ", ".
sub response_header {
    my ($res, $key) = @_;
    (my $want = lc $key) =~ tr/_/-/;
    my @vals = map { $_->[1] } grep { lc $_->[0] eq $want } @{ $res->{headers} };
    return @vals ? join(', ', @vals) : undef;
}

# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

sub check_error_code {
    my ($block, $res, $idx, $need_array) = @_;
    my $name = $block->name;
    my $code = $res->{code};
    if (defined $block->error_code_like) {
        my $pat = indexed_value($block->error_code_like, $idx, $need_array);
        like($code, qr/$pat/sm, "$name - status code ok");
    } elsif (defined $block->error_code) {
        is($code, indexed_value($block->error_code, $idx, $need_array),
           "$name - status code ok");
    } else {
        is($code, 200, "$name - status code ok");
    }
}

# "Name: value" and "!Name" lines, in order.
sub parse_header_spec {
    my ($text) = @_;
    my @out;
    for my $line (split /\n/, $text // '') {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';
        if ($line =~ s/^!\s*//) { push @out, [$line, undef] }
        else { push @out, [split /\s*:\s*/, $line, 2] }
    }
    return @out;
}

sub subst_ports {
    my ($s) = @_;
    $s =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
    $s =~ s/\$ServerPort\b/$ServerPort/g;
    return $s;
}

sub check_response_headers {
    my ($block, $res, $idx, $need_array) = @_;
    my $name = $block->name;
    if (defined $block->response_headers) {
        my $spec = indexed_value($block->response_headers, $idx, $need_array);
        for my $h (parse_header_spec($spec)) {
            my ($key, $val) = @$h;
            if (!defined $val) {
                unlike($res->{raw_headers}, qr/^\s*\Q$key\E\s*:/msi,
                       "$name - header $key not present in the raw headers");
                next;
            }
            is(response_header($res, $key) // '', subst_ports($val),
               "$name - header $key ok");
        }
    } elsif (defined $block->response_headers_like) {
        my $spec = indexed_value($block->response_headers_like, $idx, $need_array);
        for my $h (parse_header_spec($spec)) {
            my ($key, $val) = @$h;
            like(response_header($res, $key) // '', qr/^$val$/,
                 "$name - header $key like ok");
        }
    }
}

sub check_response_body {
    my ($block, $res, $idx, $rep, $need_array) = @_;
    my $name = $block->name;
    my $content = $res->{body};

    if (defined $block->response_body) {
        if (defined $block->response_body_json_sort) {
            my $js = JSON::PP->new->canonical(1)->loose(1);
            my $obj = eval { $js->decode($content) };
            $content = $js->encode($obj) . "\n" if defined $obj;
        }
        my $expected = indexed_value($block->response_body, $idx, $need_array);
        my $desc = "(repeated req $rep, req $idx)";
        if (ref $expected) {
            like($content, $expected, "$name - response_body - like $desc");
        } else {
            $expected = expand_env(subst_ports($expected)) if defined $expected;
            is_str($content, $expected, "$name - response_body - response is expected $desc");
        }
    } elsif (defined $block->response_body_like || defined $block->response_body_unlike) {
        my $type = defined $block->response_body_like ? 'like' : 'unlike';
        my $pat = indexed_value($type eq 'like' ? $block->response_body_like
                                                : $block->response_body_unlike,
                                $idx, $need_array);
        $pat = subst_ports($pat) unless ref $pat;
        (my $summary = $content) =~ s/^\s+|\s+$//g;
        $summary =~ s/\s+/ /g;
        $summary = substr($summary, 0, 200) . '...' if length $summary > 200;
        my $desc = "$name - response_body_$type - response is expected ($summary)";
        $type eq 'like' ? like($content, qr/$pat/s, $desc)
                        : unlike($content, qr/$pat/s, $desc);
    }
}

# The error log lines written since the last look (or all of them with
# check_accum_error_log).  Waits a little for log-phase lines first.
sub error_log_lines {
    sleep $Sleep * 3;
    my $pos = $CheckAccumErrLog ? 0 : $ErrLogPos;
    my $size = (-s $ErrLogFile) || 0;
    $pos = 0 if $pos > $size;    # the log was recreated
    my $data = read_file($ErrLogFile, $pos) // '';
    $ErrLogPos = $pos + length $data unless $CheckAccumErrLog;
    return [ split /^/, $data ];
}

# A section value as a list of patterns: plain text gives one substring
# per line; eval gives a qr// or an array of strings and qr//s.
sub patterns_of {
    my ($val) = @_;
    return [grep { defined } @$val] if ref $val eq 'ARRAY';
    return [$val] if ref $val eq 'Regexp';
    chomp $val;
    return [ split /\n+/, $val ];
}

sub line_matches {
    my ($line, $pat) = @_;
    return ref $pat ? $line =~ $pat : index($line, $pat) >= 0;
}

sub check_error_log {
    my ($block, $rep, $need_array) = @_;
    my $name = $block->name;
    my $lines;
    my %seen_level;    # [alert] etc. the block expects itself

    if (defined(my $grep = $block->grep_error_log)) {
        $grep = $grep->[$rep] if ref $grep eq 'ARRAY';
        my $expected = $block->grep_error_log_out;
        block_error("--- grep_error_log needs --- grep_error_log_out")
            unless defined $expected;
        $expected = $expected->[$rep] if ref $expected eq 'ARRAY';
        $expected = expand_env($expected) unless ref $expected;
        $lines //= error_log_lines();
        my $matched = '';
        for my $line (@$lines) {
            if (ref $grep ? $line =~ $grep : $line =~ /\Q$grep\E/) {
                my $m = $&;
                $matched .= "$m\n" unless $m =~ /\n/;
            }
        }
        ref $expected eq 'Regexp'
            ? like($matched, $expected, "$name - grep_error_log_out (req $rep)")
            : is_str($matched, $expected, "$name - grep_error_log_out (req $rep)");
    } elsif (defined $block->grep_error_log_out) {
        block_error("--- grep_error_log_out needs --- grep_error_log");
    }

    if (defined $block->error_log) {
        my $pats = patterns_of($block->error_log);
        $lines //= error_log_lines();
        for my $pat (@$pats) {
            $seen_level{$1} = 1 if "$pat" =~ /\[(alert|crit|emerg)/;
            my $found = grep { line_matches($_, $pat) } @$lines;
            ok($found, $found
               ? "$name - pattern \"$pat\" matches a line in error.log (req $rep)"
               : "$name - pattern \"$pat\" should match a line in error.log (req $rep)");
        }
    }

    if (defined $block->no_error_log) {
        my $pats = patterns_of($block->no_error_log);
        $lines //= error_log_lines();
        for my $pat (@$pats) {
            $seen_level{$1} = 1 if "$pat" =~ /\[(alert|crit|emerg)/;
            my @hits = grep { line_matches($lines->[$_], $pat) } 0 .. $#$lines;
            my $p = fmt_str("$pat");
            if (!@hits) {
                pass("$name - pattern \"$p\" does not match a line in error.log (req $rep)");
                next;
            }
            for my $i (@hits) {    # one failure per offending line
                my @more = @$lines[$i + 1 .. min($i + 9, $#$lines)];
                fail("$name - pattern \"$p\" should not match any line in error.log "
                     . "but matches line \"" . fmt_str($lines->[$i]) . "\" (req $rep)\n"
                     . join '', @more);
            }
        }
    }

    # Like the real harness: unexpected [alert]/[crit]/[emerg] lines are only
    # warnings; but a crashed worker or a failed assertion fails the block.
    $lines //= error_log_lines();
    for my $line (@$lines) {
        if ($line =~ /\[(alert|crit|emerg)\]/ && !$seen_level{$1}) {
            warn "# WARNING: $name - " . fmt_str($line) . "\n";
        }
        if ($line =~ /exited on signal \d+|\bAssertion .*?failed\b/) {
            fail("$name - " . fmt_str($line));
        }
    }
}

# Valgrind's verdict on the nginx that just exited.
sub check_valgrind {
    my ($name) = @_;
    my $log = read_file($ValgrindLog) // '';
    my ($errors) = $log =~ /ERROR SUMMARY: (\d+) errors?/;
    if (!defined $errors) {
        fail("$name - valgrind: no ERROR SUMMARY (nginx did not exit cleanly?)");
        diag(join '', (split /^/, $log)[-40 .. -1]) if $log ne '';
        return;
    }
    return pass("$name - valgrind: no memory errors") if $errors == 0;
    fail("$name - valgrind: $errors memory error(s)");
    # the error records, without valgrind's banner and summaries
    my @out;
    for my $line (split /^/, $log) {
        next if $line =~ /^==\d+== (Memcheck|Copyright|Using Valgrind|Command|Parent PID|\s*$)/;
        next if $line =~ /^==\d+== (HEAP|LEAK|ERROR|For lists|   (in use|total heap|definitely|indirectly|possibly|still|suppressed|of which))/;
        push @out, $line;
    }
    @out = (@out[0 .. 149], "... (see $ValgrindLog)\n") if @out > 150;
    diag(join '', @out);
}

# ---------------------------------------------------------------------------
# Running blocks
# ---------------------------------------------------------------------------

# skip_nginx: "N: >= 1.2.3[: reason]"; skip_eval: "N: perl code".
# Returns (count, reason) when the block must be skipped.
sub skip_spec {
    my ($block) = @_;
    if (defined(my $spec = $block->skip_nginx)) {
        $spec =~ /^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)(?:\s*:\s*(.*?))?\s*$/s
            or block_error("invalid --- skip_nginx spec \"$spec\"");
        my ($n, $op, $reason) = ($1, $2, $6);
        my $ver = sprintf('%d.%03d%03d', $3, $4, $5);
        my $hit = defined $NginxVersion ? eval "$NginxVersion $op $ver" : $op =~ /^</;
        return ($n, $reason || "nginx version $op $3.$4.$5") if $hit;
    }
    if (defined(my $spec = $block->skip_eval)) {
        $spec =~ /^\s*(\d+)\s*:\s*(.*)$/s or block_error("invalid --- skip_eval spec");
        my ($n, $code) = ($1, $2);
        my $hit = eval $code;
        block_error("--- skip_eval failed: $@") if $@;
        return ($n, 'skip_eval') if $hit;
    }
    return;
}

# One round of requests: send, check each response, then the error log.
sub run_requests {
    my ($block, $rep) = @_;
    my $name = $block->name;
    my $reqs = requests_from_block($block);
    my $timeout = (parse_time(scalar $block->timeout) // $Timeout) * $TimeoutFactor;
    my $pipelined = $block->pipelined_requests;
    my $need_array = $pipelined ? 1 : @$reqs > 1;
    # (block accessors return () for absent sections: force scalar context)
    my %opts = (shutdown => scalar $block->shutdown,
                middle_delay => scalar $block->raw_request_middle_delay);

    for my $i (0 .. $#$reqs) {
        my $packets = $reqs->[$i];
        my $head_req = (join '', map { $_->{value} } @$packets) =~ /^\s*HEAD\s+/ ? 1 : 0;
        my %io = %opts;
        my $raw = http_roundtrip($packets, $timeout, \%io);
        if (!defined $raw) {
            fail("$name - cannot connect to $ServerAddr:$ServerPortForClient");
            $raw = '';
        } elsif ($io{timed_out} && !defined $block->abort) {
            fail("ERROR: client socket timed out - $name");
        }

        my $n = $pipelined ? @$pipelined : 1;
        my $idx = $pipelined ? 0 : $i;
        for my $k (1 .. $n) {
            my $res = parse_response($name, $raw, $head_req);
            $raw = $res->{left};
            if (!defined $block->ignore_response) {
                check_error_code($block, $res, $idx, $need_array);
                check_response_headers($block, $res, $idx, $need_array);
                check_response_body($block, $res, $idx, $rep, $need_array);
            }
            if ($k == $n && $raw ne '' && !$pipelined) {
                warn "# WARNING: $name - unexpected extra bytes after the response: \""
                    . fmt_str(substr $raw, 0, 80) . "\"\n";
            }
            # like the real harness: the log is checked after every response
            # but the last one, then once more at the end
            if ($k < $n || $i < $#$reqs) {
                sleep parse_time(scalar $block->wait) * $TimeoutFactor if $block->wait;
                check_error_log($block, $rep, $need_array);
            }
            $idx++;
        }
    }
    sleep parse_time(scalar $block->wait) * $TimeoutFactor if $block->wait;
    check_error_log($block, $rep, $need_array);
}

sub run_block {
    my ($block) = @_;
    my $name = $block->name;
    local $RandPorts = {};
    local $LogLevel = $block->log_level // $LogLevel;
    my $must_die = $block->must_die;
    local $UseValgrind = defined $must_die ? undef : $UseValgrind;
    local $UseHup = defined $must_die ? undef : $UseHup;

    my $config = $block->config;
    $config = expand_env($config) if defined $config;

    if (my ($n, $reason) = skip_spec($block)) {
        for (1 .. $RepeatEach) { SKIP: { skip("$name - $reason", $n) } }
        return;
    }

    return run_must_die($block, $config // '') if defined $must_die;

    # A block without --- config reuses the running nginx (or restarts it
    # with the previous config if it is gone, e.g. under valgrind).
    my $fresh = 1;
    if (!defined $config) {
        block_error("no --- config section and no previous one") unless defined $PrevConfig;
        if (is_running(nginx_pid())) { $fresh = 0 }
        else { prepare_nginx($block, $PrevConfig) or return }
    } else {
        $PrevConfig = $config;
        prepare_nginx($block, $config) or return;
    }
    my $pid = nginx_pid();

    $ErrLogPos = $fresh ? 0 : ((-s $ErrLogFile) || 0);
    if (defined(my $code = $block->init)) {
        eval $code;
        block_error("--- init failed: $@") if $@;
    }

    for my $rep (0 .. $RepeatEach - 1) {
        write_user_files($block) if $rep > 0;
        start_tcp_server($block) if defined $block->tcp_listen;
        run_requests($block, $rep);
        check_tcp_query($block) if $TcpServer;
        stop_tcp_server();
    }

    if (!is_running($pid)) {
        fail("$name - nginx (pid " . ($pid // '?') . ") died during the block (crashed?)");
        my $errors = startup_errors();
        diag($errors) if $errors ne '';
    }
    if ($UseValgrind) {
        stop_nginx();
        check_valgrind($name);
    }
}

sub run_tests {
    $NginxVersion = nginx_version();
    $ENV{TEST_NGINX_SERVER_PORT} //= $ServerPort;
    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks unless $NoShuffle;
    for my $block (@blocks) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value(name => "$0 " . $block->name);
        my $ok = eval { run_block($block); 1 };
        my $err = $@;
        stop_tcp_server();
        if (!$ok) {
            die $err unless ref $err eq 'Test::Nginx::Socket::BlockError';
            fail($block->name . " - $err->{msg}");
        }
        $_->($block) for @TestCleanupHandlers;
    }
    cleanup();
}

sub cleanup {
    return if $InSubprocess;
    $_->() for @CleanupHandlers;
    @CleanupHandlers = ();
    stop_tcp_server();
}

END {
    if (!$InSubprocess) {
        local $?;    # keep Test::Builder's exit status
        cleanup();
        if (!$NoClean || $UseValgrind) {
            wait_for_pid_file(3) if $Starting;    # interrupted while starting
            stop_nginx() if nginx_pid();
        }
        if ($ENV{TEST_NGINX_RANDOMIZE} && !$NoClean && $ServRoot =~ m{/t/servroot_\d+$}) {
            remove_tree($ServRoot);
        }
    }
}

1;
