using System.Diagnostics;
using System.Globalization;

namespace Idrp.Bench.Api;

/// <summary>
/// CPU used during a phase, in cores (1.0 = one core busy for the whole phase), split into the server, PostgreSQL
/// (its postmaster and backends), this load client, and everything else on the machine. The machine is shared, so
/// "other" shows how much of it the benchmark did not have.
/// </summary>
internal readonly record struct CpuUse(double Server, double Postgres, double Client, double Other, double Machine)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Server:0.00}/{Postgres:0.00}/{Client:0.00}/{Other:0.00}");
}

internal sealed class CpuMeter(ServerProcess server, int? postgresPid)
{
    // USER_HZ: /proc reports CPU time in these ticks; 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    private Snapshot _start;

    public void Start() => _start = Take();

    public CpuUse Stop()
    {
        var end = Take();
        var wall = (end.Timestamp - _start.Timestamp) / (double)Stopwatch.Frequency;
        var machineTicks = end.MachineAll - _start.MachineAll;
        var machine = machineTicks > 0 ? (end.MachineBusy - _start.MachineBusy) / machineTicks * Environment.ProcessorCount : 0;
        var serverCores = (end.Server - _start.Server) / wall;
        var postgres = (end.Postgres - _start.Postgres) / wall;
        var client = (end.Client - _start.Client) / wall;
        return new CpuUse(serverCores, postgres, client, Math.Max(0, machine - serverCores - postgres - client), machine);
    }

    private Snapshot Take()
    {
        var (busy, all) = MachineTicks();
        return new Snapshot(
            Stopwatch.GetTimestamp(),
            busy,
            all,
            server.CpuTime.TotalSeconds,
            postgresPid is { } pid ? PostgresSeconds(pid) : 0,
            Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
    }

    /// <summary>Busy and total ticks of all CPUs, from the first line of /proc/stat.</summary>
    private static (double Busy, double All) MachineTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1).Take(8).Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal
        var idle = fields[3] + fields[4];
        var all = fields.Sum();
        return (all - idle, all);
    }

    /// <summary>
    /// The postmaster's own time, the time of its children that have exited (cutime, cstime) and that of its live
    /// children (backends, WAL writer, checkpointer), in seconds.
    /// </summary>
    private static double PostgresSeconds(int postmaster)
    {
        var ticks = ProcessTicks(postmaster, includeReapedChildren: true);
        var children = $"/proc/{postmaster}/task/{postmaster}/children";
        if (File.Exists(children))
        {
            foreach (var child in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                ticks += ProcessTicks(int.Parse(child, CultureInfo.InvariantCulture), includeReapedChildren: false);
            }
        }

        return ticks / TicksPerSecond;
    }

    private static double ProcessTicks(int pid, bool includeReapedChildren)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return 0; // A backend that exited between listing and reading; its time is in the postmaster's cutime.
        }

        // Fields after the command name, which is in parentheses and may contain spaces: state is field 3,
        // utime 14, stime 15, cutime 16, cstime 17.
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        double Field(int number) => double.Parse(rest[number - 3], CultureInfo.InvariantCulture);
        return Field(14) + Field(15) + (includeReapedChildren ? Field(16) + Field(17) : 0);
    }

    private readonly record struct Snapshot(long Timestamp, double MachineBusy, double MachineAll, double Server, double Postgres, double Client);
}
