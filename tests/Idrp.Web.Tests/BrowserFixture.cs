using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Idrp.Testing;
using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Idrp.Web.Tests.BrowserFixture))]

namespace Idrp.Web.Tests;

/// <summary>
/// One real IDRP server and one headless Chromium for the whole test run. The browser is Debian's
/// (/usr/bin/chromium, or IDRP_CHROMIUM): no browser is downloaded. Each test opens its own browser
/// contexts (separate cookie jars), one per person, and makes its own people and records.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IdrpServer Server { get; } = new();

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Screenshots of the main pages, for people to look at: bin/…/screenshots.</summary>
    public string ScreenshotDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    /// <summary>Server time per page as the browser measured it (request start to first response byte).</summary>
    public ConcurrentDictionary<string, List<double>> PageTimings { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        await Server.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        var executable = Environment.GetEnvironmentVariable("IDRP_CHROMIUM") is { Length: > 0 } custom ? custom : "/usr/bin/chromium";
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
    }

    /// <summary>A fresh browser context (its own cookies) on a laptop-sized window; optionally with JavaScript off.</summary>
    public async Task<IPage> NewPageAsync(bool javaScript = true)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 768 },
            Locale = "en-GB",
            JavaScriptEnabled = javaScript,
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>Saves a full-page screenshot under <see cref="ScreenshotDirectory"/>.</summary>
    public Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    /// <summary>
    /// Records how long the server took for the page just loaded: the server's own figure from its Server-Timing
    /// header ("app", arrival to first byte) when it sent one, else what the browser saw (requestStart to responseStart).
    /// </summary>
    public async Task RecordServerTimeAsync(IPage page, string name)
    {
        var milliseconds = await page.EvaluateAsync<double>(
            "() => { const n = performance.getEntriesByType('navigation')[0]; if (!n) return -1; const app = (n.serverTiming || []).find(t => t.name === 'app'); return app ? app.duration : n.responseStart - n.requestStart; }");
        if (milliseconds >= 0)
        {
            PageTimings.GetOrAdd(name, _ => []).Add(milliseconds);
        }
    }

    /// <summary>How many database queries the server ran for the page just loaded, from its Server-Timing header ("db").</summary>
    public static async Task<int> ServerQueriesAsync(IPage page)
    {
        var description = await page.EvaluateAsync<string>(
            "() => { const n = performance.getEntriesByType('navigation')[0]; const db = n && (n.serverTiming || []).find(t => t.name === 'db'); return db ? db.description : ''; }");
        var match = System.Text.RegularExpressions.Regex.Match(description, "^([0-9]+) quer");
        Assert.True(match.Success, $"The page's Server-Timing header has no query count (db: '{description}').");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (!PageTimings.IsEmpty)
        {
            var report = new StringBuilder("page\tloads\tmin ms\tmedian ms\tmax ms\n");
            foreach (var (name, values) in PageTimings.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var sorted = values.Order().ToList();
                var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
                report.Append(CultureInfo.InvariantCulture, $"{name}\t{sorted.Count}\t{sorted[0]:0.0}\t{median:0.0}\t{sorted[^1]:0.0}\n");
            }

            await File.WriteAllTextAsync(Path.Combine(ScreenshotDirectory, "page-timings.tsv"), report.ToString());
        }

        // What went wrong on the server, for whoever reads a failed run.
        var problems = Server.Logs.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        await File.WriteAllLinesAsync(Path.Combine(ScreenshotDirectory, "server-errors.log"), problems);

        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await Server.DisposeAsync();
    }
}
