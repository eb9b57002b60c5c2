#!/usr/bin/perl
# Prints what Proxmox's PVE::CLIFormatter::print_api_result writes for each case of a JSON
# array on standard input ({data, schema, options, terminal, columns}): a JSON array of
# {out: hex of the bytes printed, error: message of a die}. Terminal options are given,
# never queried, so that results do not depend on how the test runs.
use strict;
use warnings;
use JSON;
use PVE::Tools;
use PVE::CLIFormatter;

local $/;
my $cases = JSON->new->utf8->decode(<STDIN>);
my @results;
for my $case (@$cases) {
    my $buffer = '';
    open(my $capture, '>', \$buffer) or die "capture: $!\n";
    my $previous = select($capture);
    my $terminal = $case->{terminal} // {};
    my $terminal_opts = {
        ($terminal->{utf8} ? (utf8 => 1, encoding => 'UTF-8') : (encoding => 'ANSI_X3.4-1968')),
        (defined($terminal->{columns}) ? (columns => $terminal->{columns}) : ()),
    };
    local $SIG{__WARN__} = sub { };
    eval {
        PVE::CLIFormatter::print_api_result(
            $case->{data}, $case->{schema}, $case->{columns}, $case->{options} // {}, $terminal_opts,
        );
    };
    my $error = $@;
    select($previous);
    close($capture);
    chomp $error if $error;
    push @results, { out => unpack('H*', $buffer), ($error ? (error => "$error") : ()) };
}
print JSON->new->utf8->canonical->encode(\@results);
