#!/usr/bin/perl
#
# Runs many pveum command lines in one Perl start, for the pveum conformance test
# (test/conformance/pveum-cli.test.ts): loads PVE::CLI::pveum once, then forks once per
# command line, so that each runs as a fresh `pveum` would, on the directory's state left by
# the ones before it. Loading the modules costs ~0.4 s; a fork costs milliseconds.
#
# Environment: PVE_CFS_DIR (the directory laid out like /etc/pve) and PERL5LIB as the
# oracle's pveum wrapper sets them (../../../../shared/reference/oracle/pveum). With
# TESSERA_PVEUM_POOLS set to {"guests": {"100": "qemu"}, "storage": ["local"]} (and
# pve-manager's sources and this folder's stubs on PERL5LIB), pve-manager's pool API is
# loaded first, so that pveum has its `pool` commands, as on a Proxmox VE node, over that
# cluster's guests and storages (the stand-ins of pool-oracle.pl).
# Input (stdin): { "commands": [ ["user", "add", "joe@pve"], ... ] }
# Output: { "results": [ { "status": 0, "stdout": <base64>, "stderr": <base64> }, ... ] }
# with the bytes as pveum wrote them, less the syslog stand-in's `setlogsock` line.
#
# Original test tooling, not Proxmox code.

use strict;
use warnings;

use File::Temp ();
use JSON;
use MIME::Base64 qw(encode_base64);
use POSIX ();

BEGIN {
    if (my $pools = $ENV{TESSERA_PVEUM_POOLS}) {
        my $setup = JSON->new->decode($pools);
        my $guests = $setup->{guests} // {};
        my %storage = map { $_ => 1 } @{ $setup->{storage} // [] };
        require PVE::Cluster;
        require PVE::API2::Pool;
        no warnings qw(redefine once);
        *PVE::Cluster::get_vmlist = sub {
            return { ids => { map { $_ => { type => $guests->{$_}, node => 'node1' } } keys %$guests } };
        };
        *PVE::Cluster::rrd_dump = sub { return {} };
        *PVE::INotify::nodename = sub { return 'node1' };
        *PVE::Storage::storage_config = sub {
            my ($cfg, $id) = @_;
            return $storage{$id} ? { type => 'dir' } : undef;
        };
        *PVE::API2Tools::extract_vm_stats = sub {
            my ($vmid, $data) = @_;
            return { id => "$data->{type}/$vmid", vmid => int($vmid), type => $data->{type}, node => $data->{node} };
        };
        *PVE::API2Tools::extract_storage_stats = sub {
            my ($id, $scfg, $node) = @_;
            return { id => "storage/$node/$id", storage => $id, type => 'storage', node => $node };
        };
    }
}

use PVE::CLI::pveum;

die "set PVE_CFS_DIR\n" if !$ENV{PVE_CFS_DIR};

my $json = JSON->new->utf8(1)->canonical(1);
my $req = $json->decode(do { local $/; <STDIN> });
my $scratch = File::Temp::tempdir('tessera-pveum-driver-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub slurp {
    my ($path) = @_;
    open(my $fh, '<:raw', $path) or die "read $path: $!\n";
    local $/;
    my $text = <$fh> // '';
    close($fh);
    return $text;
}

my @results;
for my $argv (@{ $req->{commands} }) {
    my @args = map { my $a = $_; utf8::encode($a); $a } @$argv;
    my $pid = fork() // die "fork: $!\n";
    if ($pid == 0) {
        open(STDIN, '<', '/dev/null') or POSIX::_exit(120);
        open(STDOUT, '>', "$scratch/out") or POSIX::_exit(121);
        open(STDERR, '>', "$scratch/err") or POSIX::_exit(122);
        @ARGV = @args;
        # As `perl -e '...run_cli_handler()'`: an uncaught die prints and exits non-zero.
        PVE::CLI::pveum->run_cli_handler();
        exit(0);
    }
    waitpid($pid, 0);
    my $status = $? & 127 ? 128 + ($? & 127) : $? >> 8;
    my $err = slurp("$scratch/err");
    $err =~ s/^setlogsock[^\n]*\n//mg;
    push @results, {
        status => $status,
        stdout => encode_base64(slurp("$scratch/out"), ''),
        stderr => encode_base64($err, ''),
    };
}

print $json->encode({ results => \@results });
