namespace Idrp.Server.Hosting;

/// <summary>Settings of the server process itself.</summary>
public sealed class IdrpOptions
{
    /// <summary>Folder for the embedded database, the local blob store and other state; created when missing.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Largest JSON request body of the metadata API, in bytes.</summary>
    public long MaxJsonBodyBytes { get; set; } = 1_048_576;
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
