using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <summary>
    /// Nothing on SQLite: the PostgreSQL migration of the same name indexes the access facts beside the text vectors, a
    /// table SQLite (whose text index is FTS5) does not have. Kept so that both providers have the same list of migrations.
    /// </summary>
    public partial class SearchVectorAccessIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
