#!/usr/bin/perl
#
# Runs pve-manager's pool methods (PVE::API2::Pool) on a virtual /etc/pve, as Proxmox VE
# would answer them, for Tessera's pools API tests (test/api/pools.test.ts).
#
# Input (stdin): {
#   "user_cfg": "...",                         the user.cfg to start from
#   "guests": { "100": "qemu", "200": "lxc" },  the cluster's guests (default: none)
#   "storage": ["local", "nfs1"],               the configured storages (default: none)
#   "queries": [ { "authid": "root@pam", "method": "PUT", "path": "/pools",
#                  "params": { ... } }, ... ]
# }
# Output: { "results": [ { status, message?, errors?, data?, user_cfg? }, ... ] }, where
# `user_cfg` is the file after a query that changed it. Queries run in order on one state.
#
# Original test tooling, not Proxmox code.

use strict;
use warnings;

my $cfs_dir;
BEGIN {
    require File::Temp;
    $cfs_dir = File::Temp::tempdir('tessera-pool-oracle-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    $ENV{PVE_CFS_DIR} = $cfs_dir;
}

use JSON;
use Scalar::Util qw(blessed);
use PVE::Cluster;
use PVE::AccessControl;
use PVE::RPCEnvironment;
use PVE::API2::Pool;

my $json = JSON->new->utf8(1)->canonical(1)->allow_nonref(1);
my $req = $json->decode(do { local $/; <STDIN> });

my $guests = $req->{guests} // {};
my %storage = map { $_ => 1 } @{ $req->{storage} // [] };
{
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

sub user_cfg_text {
    my $path = "$cfs_dir/user.cfg";
    return '' if !-f $path;
    open(my $fh, '<', $path) or die "read $path: $!\n";
    local $/;
    my $text = <$fh>;
    close($fh);
    return $text;
}

{
    open(my $fh, '>', "$cfs_dir/user.cfg") or die "write user.cfg: $!\n";
    print $fh ($req->{user_cfg} // '');
    close($fh);
}

my $rpcenv = PVE::RPCEnvironment->init('pub');

my @results;
for my $q (@{ $req->{queries} // [] }) {
    my $path = $q->{path};
    $path =~ s|^/pools||;
    my $uri_param = {};
    my ($handler, $info) = PVE::API2::Pool->find_handler($q->{method}, $path, $uri_param);
    if (!$handler || !$info) {
        push @results, { status => 501, message => "Method '$q->{method} /pools$path' not implemented" };
        next;
    }
    my $params = $q->{params} // {};
    for my $name (keys %$params) {
        my $value = $params->{$name};
        $uri_param->{$name} = JSON::is_bool($value) ? ($value ? 1 : 0) : $value;
    }
    $rpcenv->set_user($q->{authid});
    $rpcenv->set_client_ip('127.0.0.1');
    $rpcenv->{user_cfg} = PVE::AccessControl::parse_user_config('user.cfg', user_cfg_text());
    $rpcenv->{aclcache} = {};
    my $before = user_cfg_text();
    my $data = eval {
        $rpcenv->check_api2_permissions($info->{permissions}, $q->{authid}, $uri_param);
        $handler->handle($info, $uri_param);
    };
    my $out;
    if (my $err = $@) {
        if (blessed($err) && $err->isa('PVE::Exception')) {
            $out = { status => int($err->{code} || 500), message => $err->{msg} };
            $out->{errors} = $err->{errors} if $err->{errors};
        } else {
            $out = { status => 500, message => "$err" };
        }
    } else {
        $out = { status => 200, data => $data };
    }
    my $after = user_cfg_text();
    $out->{user_cfg} = $after if $after ne $before;
    push @results, $out;
}

print $json->pretty->encode({ results => \@results });
