#!/usr/bin/perl
#
# Proxmox's own password check on a directory laid out like /etc/pve: for each login,
# PVE::Auth::PVE->authenticate_user, which reads priv/shadow.cfg and compares Perl's crypt()
# of the UTF-8 password with the stored hash. Shows whether an exported shadow.cfg lets its
# users log in to Proxmox (test/support/pve-auth.ts).
#
# Environment: PVE_CFS_DIR and PERL5LIB as the oracle's pveum wrapper sets them.
# Input (stdin): [ { "user": "alice", "password": "..." }, ... ] (the user without @pve)
# Output: [ "ok" | "<Proxmox's error>", ... ]
#
# Original test tooling, not Proxmox code.

use strict;
use warnings;

use JSON;
use PVE::Auth::PVE;

my $logins = JSON->new->utf8->decode(do { local $/; <STDIN> });
my @results;
for my $login (@$logins) {
    eval { PVE::Auth::PVE->authenticate_user(undef, 'pve', $login->{user}, $login->{password}) };
    my $err = $@;
    chomp $err if $err;
    push @results, $err ? $err : 'ok';
}
print JSON->new->canonical->encode(\@results);
