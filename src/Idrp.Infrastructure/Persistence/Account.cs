using Microsoft.AspNetCore.Identity;

namespace Idrp.Infrastructure.Persistence;

/// <summary>
/// A local sign-in account (ASP.NET Core Identity). Its id is the id of the <see cref="Domain.Model.Person"/>
/// it signs in as, so "the current user" is one id everywhere.
/// </summary>
public sealed class Account : IdentityUser<Guid>
{
}
