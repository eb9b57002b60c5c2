#!/usr/bin/perl
#
# pveum-driver.pl with the cluster filesystem's write semantics, for the live pve-dir test
# (test/store/pve-live-pveum.test.ts): the oracle's PVE::Cluster stand-in takes no lock and
# writes files in place; on a node, pmxcfs serialises writers with lock directories and
# makes each file change appear at once. Written from reading pve-cluster's PVE::Cluster
# (cfs_lock, cfs_lock_file, cfs_write_file) and pmxcfs's memdb.c; original test tooling,
# not Proxmox code.
#
# - cfs_lock_file('user.cfg', ...) takes the lock `priv/lock/file-user_cfg` by mkdir,
#   retrying every 100 ms until the timeout (10 s unless given), drops a lock older than
#   120 s (pmxcfs's CFS_LOCK_TIMEOUT), runs the code, and releases the lock by rmdir; errors
#   come back in $@ with undef, as Proxmox's do.
# - cfs_write_file renders the file with the registered writer (through the stand-in, into a
#   scratch directory) and puts it in place by writing `<file>.tmp.<pid>` and renaming it,
#   as PVE::Tools::file_set_contents does.
#
# Same input and output as pveum-driver.pl, which it runs after installing these.

use strict;
use warnings;

use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Temp ();
use Time::HiRes qw(usleep time);

BEGIN {
    require PVE::Cluster;
    no warnings qw(redefine once);

    my $write_through_stub = \&PVE::Cluster::cfs_write_file;
    my $scratch = File::Temp::tempdir('tessera-pmxcfs-XXXXXX', TMPDIR => 1, CLEANUP => 1);

    my $lock = sub {
        my ($lockid, $timeout, $code, @param) = @_;
        $timeout = 10 if !$timeout;
        my $lockdir = PVE::Cluster::cfs_dir() . '/priv/lock';
        my $path = "$lockdir/$lockid";
        my ($got, $res, $in_code) = (0, undef, 0);
        eval {
            make_path($lockdir);
            die "pve cluster filesystem not online.\n" if !-d $lockdir;
            my $start = time();
            while (1) {
                $got = mkdir($path);
                last if $got;
                die "mkdir $path: $!\n" if !$!{EEXIST};
                my $mtime = (stat($path))[9];
                if (defined($mtime) && time() - $mtime > 120) {
                    rmdir($path);
                    next;
                }
                die "got lock request timeout\n" if time() - $start >= $timeout;
                usleep(100_000);
            }
            $in_code = 1;
            $res = $code->(@param);
        };
        my $err = $@;
        rmdir($path) if $got;
        if ($err) {
            $@ = $in_code ? $err : "cfs-lock '$lockid' error: $err";
            return undef;
        }
        $@ = undef;
        return $res;
    };

    *PVE::Cluster::cfs_lock_file = sub {
        my ($filename, $timeout, $code, @param) = @_;
        my $lockid = "file-$filename";
        $lockid =~ s/[.\/]/_/g;
        return $lock->($lockid, $timeout, $code, @param);
    };
    *PVE::Cluster::cfs_lock_authkey = sub {
        my ($timeout, $code, @param) = @_;
        return $lock->('authkey', $timeout, $code, @param);
    };
    *PVE::Cluster::cfs_write_file = sub {
        my ($filename, $data) = @_;
        my $dir = PVE::Cluster::cfs_dir();
        my $raw;
        {
            local $ENV{PVE_CFS_DIR} = $scratch;
            $raw = $write_through_stub->($filename, $data);
        }
        my $path = "$dir/$filename";
        make_path(dirname($path));
        my $tmp = "$path.tmp.$$";
        open(my $fh, '>:raw', $tmp) or die "write $tmp: $!\n";
        print $fh $raw if defined($raw);
        close($fh) or die "write $tmp: $!\n";
        rename($tmp, $path) or die "rename $tmp: $!\n";
        return $raw;
    };
}

my $driver = dirname(__FILE__) . '/pveum-driver.pl';
do $driver;
die $@ if $@;
