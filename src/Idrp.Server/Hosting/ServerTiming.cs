using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Idrp.Server.Hosting;

/// <summary>
/// Adds a <c>Server-Timing</c> header to every response for a signed-in caller (setting <c>ServerTiming</c>:
/// <see cref="ServerTimingAudience"/>): <c>app</c> is the server's time from the request's arrival to
/// the first byte of the answer, <c>db</c> the time spent in database commands and, as its description, how many ran
/// (<c>app;dur=12.3, db;dur=4.1;desc="6 queries"</c>). Browsers show it in their developer tools and hand it to
/// scripts (<c>performance.getEntriesByType('navigation')[0].serverTiming</c>), which is how the browser tests check
/// that no page runs a query per row. Commands are counted through EF Core's diagnostic events for the request's own
/// async flow, so background jobs on the same node do not count.
/// </summary>
internal static class ServerTiming
{
    private static readonly AsyncLocal<Counter?> Current = new();
    private static readonly Lazy<IDisposable> Subscription = new(() => DiagnosticListener.AllListeners.Subscribe(new ListenerObserver()));

    /// <summary>Counts the commands of one request.</summary>
    private sealed class Counter
    {
        public int Commands;
        public long Ticks;
    }

    /// <summary>The middleware; the first in the pipeline, so that the time covers everything after it.</summary>
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var audience = context.RequestServices.GetRequiredService<IOptions<IdrpOptions>>().Value.ServerTiming;
        if (audience == ServerTimingAudience.Off)
        {
            await next(context);
            return;
        }

        _ = Subscription.Value;
        var started = Stopwatch.GetTimestamp();
        var counter = new Counter();
        Current.Value = counter;
        context.Response.OnStarting(() =>
        {
            // Authentication runs after this middleware, so who the caller is is known only now.
            if (audience == ServerTimingAudience.SignedIn && context.RequestServices.GetService<Auth.CurrentActor>()?.Actor.PersonId is null)
            {
                return Task.CompletedTask;
            }

            var app = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var db = TimeSpan.FromTicks(Interlocked.Read(ref counter.Ticks)).TotalMilliseconds;
            var commands = Volatile.Read(ref counter.Commands);
            context.Response.Headers["Server-Timing"] = string.Create(CultureInfo.InvariantCulture,
                $"app;dur={app:0.0}, db;dur={db:0.0};desc=\"{commands} quer{(commands == 1 ? "y" : "ies")}\"");
            return Task.CompletedTask;
        });
        await next(context); // async, so that the counter belongs to this request's flow only
    }

    private sealed class ListenerObserver : IObserver<DiagnosticListener>
    {
        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == DbLoggerCategory.Name)
            {
                listener.Subscribe(new CommandObserver(), name => name == RelationalEventId.CommandExecuted.Name || name == RelationalEventId.CommandError.Name);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    private sealed class CommandObserver : IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (Current.Value is { } counter && value.Value is CommandEndEventData data)
            {
                Interlocked.Increment(ref counter.Commands);
                Interlocked.Add(ref counter.Ticks, data.Duration.Ticks);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
