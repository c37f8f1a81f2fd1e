using System.Security.Cryptography;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Idrp.Server.Hosting;

internal static class AdminBootstrap
{
    /// <summary>Creates the first admin when there is none; prints a generated password once.</summary>
    public static async Task EnsureAdminAsync(IServiceProvider services, ILogger logger, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<IdrpDbContext>();
        if (await db.People.AnyAsync(p => p.IsAdmin, cancellationToken))
        {
            return;
        }

        var options = services.GetRequiredService<IOptions<AdminOptions>>().Value;
        var users = services.GetRequiredService<UserManager<Account>>();
        var generated = string.IsNullOrEmpty(options.Password);
        var password = generated ? RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20) : options.Password!;

        var person = new Person { DisplayName = "Administrator", Email = options.Email, IsAdmin = true };
        db.People.Add(person);
        await db.SaveChangesAsync(cancellationToken);
        var account = new Account { Id = person.Id, UserName = options.UserName, Email = options.Email };
        var result = await users.CreateAsync(account, password);
        if (!result.Succeeded)
        {
            db.People.Remove(person);
            await db.SaveChangesAsync(cancellationToken);
            throw new InvalidOperationException(
                "Could not create the first admin: " + string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        logger.LogInformation("Created the first admin account '{UserName}'", options.UserName);
        if (generated)
        {
            // Printed once, on the console only (never through the logging pipeline), as the operator's way in.
            Console.WriteLine();
            Console.WriteLine("  First start: an admin account was created.");
            Console.WriteLine($"    user name: {options.UserName}");
            Console.WriteLine($"    password:  {password}");
            Console.WriteLine("  It is shown only this once. Sign in and change it, or set Admin__Password before the first start.");
            Console.WriteLine();
        }
    }
}
