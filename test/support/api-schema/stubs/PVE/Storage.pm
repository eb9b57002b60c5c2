package PVE::Storage;

# Stand-in for pve-storage, which Pool.pm loads (NOT Proxmox code): the schema dump never
# calls it.

use strict;
use warnings;

sub config { return { ids => {} }; }
sub storage_config { return undef; }

1;
