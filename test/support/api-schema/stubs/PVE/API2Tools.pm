package PVE::API2Tools;

# Stand-in for pve-manager's PVE::API2Tools, which Pool.pm loads (NOT Proxmox code): the
# schema dump never calls it.

use strict;
use warnings;

sub extract_vm_stats { my ($vmid, $data) = @_; return { id => "$data->{type}/$vmid", vmid => $vmid }; }
sub extract_storage_stats { my ($storeid) = @_; return { id => "storage/$storeid", storage => $storeid }; }

1;
