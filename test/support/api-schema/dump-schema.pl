#!/usr/bin/perl
#
# Prints the API schema of Proxmox VE's access control, pools, tasks and scheduled jobs as JSON: one record per
# method, {path, method, name, parameters, permissions, returns, allowtoken, protected}; a
# parameter has its schema keys and the type text pveum's help shows (`typetext`).
# It loads the reference Perl modules (pve-access-control, pve-common, pve-manager's
# Pool.pm, Tasks.pm and Cluster/Jobs.pm) on the oracle's stand-ins and this folder's stubs, and reads their registered
# methods through PVE::RESTHandler's own api_dump. Tessera's conformance test compares the
# result with the routes Tessera registers (test/conformance/api-schema.test.ts).
#
# Original test tooling, not Proxmox code.

use strict;
use warnings;

BEGIN {
    # Nothing below reads or writes a cluster file system, but PVE::Cluster wants a place.
    require File::Temp;
    $ENV{PVE_CFS_DIR} //= File::Temp::tempdir('tessera-schema-XXXXXX', TMPDIR => 1, CLEANUP => 1);
}

use JSON;
use PVE::Cluster;
use PVE::JSONSchema;
use PVE::API2::AccessControl;
use PVE::API2::Cluster::Jobs;
use PVE::API2::Pool;
use PVE::API2::Tasks;

my @methods;

# Flattens api_dump's tree (nodes with {path, info => {METHOD => schema}, children}).
sub walk {
    my ($nodes) = @_;
    for my $node (@$nodes) {
        for my $method (sort keys %{ $node->{info} // {} }) {
            my $info = $node->{info}->{$method};
            my $properties = $info->{parameters}->{properties} // {};
            my $parameters = {};
            for my $name (sort keys %$properties) {
                my $p = $properties->{$name};
                my $entry = {};
                $entry->{type} = $p->{type} if defined($p->{type});
                $entry->{optional} = $p->{optional} ? JSON::true : JSON::false;
                for my $key (qw(format enum default maxLength minLength minimum maximum pattern requires description)) {
                    $entry->{$key} = $p->{$key} if defined($p->{$key});
                }
                # What pveum's help shows as the value's form, computed as its usage does.
                $entry->{typetext} = PVE::JSONSchema::schema_get_type_text($p);
                $parameters->{$name} = $entry;
            }
            push @methods, {
                path => $node->{path},
                method => $method,
                name => $info->{name},
                parameters => $parameters,
                additionalProperties => $info->{parameters}->{additionalProperties} ? JSON::true : JSON::false,
                permissions => $info->{permissions},
                returns => $info->{returns},
                allowtoken => ($info->{allowtoken} // 1) ? JSON::true : JSON::false,
                protected => $info->{protected} ? JSON::true : JSON::false,
            };
        }
        walk($node->{children}) if $node->{children};
    }
}

my $tree = [
    @{ PVE::RESTHandler::api_dump_remove_refs(PVE::API2::AccessControl->api_dump('/access')) },
    @{ PVE::RESTHandler::api_dump_remove_refs(PVE::API2::Pool->api_dump('/pools')) },
    @{ PVE::RESTHandler::api_dump_remove_refs(PVE::API2::Cluster::Jobs->api_dump('/cluster/jobs')) },
    @{ PVE::RESTHandler::api_dump_remove_refs(PVE::API2::Tasks->api_dump('/nodes/{node}/tasks')) },
];
walk($tree);

print JSON->new->utf8(1)->canonical(1)->pretty->encode(\@methods);
