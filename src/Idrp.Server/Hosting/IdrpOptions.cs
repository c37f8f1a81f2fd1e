namespace Idrp.Server.Hosting;

/// <summary>Settings of the server process itself.</summary>
public sealed class IdrpOptions
{
    /// <summary>Folder for the embedded database, the local blob store and other state; created when missing.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Largest JSON request body of the metadata API, in bytes.</summary>
    public long MaxJsonBodyBytes { get; set; } = 1_048_576;

    /// <summary>Who gets the <c>Server-Timing</c> header (<see cref="Hosting.ServerTiming"/>).</summary>
    public ServerTimingAudience ServerTiming { get; set; } = ServerTimingAudience.SignedIn;
}

/// <summary>
/// Who gets the <c>Server-Timing</c> header. It tells how long the server and its database took and how many queries
/// ran, which helps whoever tunes the system and could help an anonymous caller probe what a slow query touches.
/// </summary>
public enum ServerTimingAudience
{
    /// <summary>Callers who signed in (cookie or API token); anonymous callers get no header.</summary>
    SignedIn,

    /// <summary>Every caller.</summary>
    Everyone,

    /// <summary>Nobody.</summary>
    Off,
}

/// <summary>The first administrator, created on first start when no admin exists.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    public string UserName { get; set; } = "admin";

    /// <summary>Password of the first admin. When empty a random one is generated and printed once on the console.</summary>
    public string? Password { get; set; }

    public string? Email { get; set; }
}
