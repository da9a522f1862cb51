using HealthcareCms.Bench;
using HealthcareCms.Bench.Servers;

// One binary, three roles: the harness itself, and the two comparison servers it re-launches so they
// run as separate processes with the same shape as the services (Kestrel, server GC).
return args.FirstOrDefault() switch
{
    CeilingServer.Command => await CeilingServer.RunAsync(args[1..]),
    PromNetServer.Command => await PromNetServer.RunAsync(args[1..]),
    _ => await BenchRunner.RunAsync(args),
};
