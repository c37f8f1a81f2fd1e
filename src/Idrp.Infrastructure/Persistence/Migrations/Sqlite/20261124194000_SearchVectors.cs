using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SearchVectors : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "category_values",
                table: "search_documents",
                type: "TEXT",
                nullable: false,
                defaultValue: "[]");

            // The category facet is counted from the document row: its categories as a JSON array. (The search_vectors
            // table of this migration is PostgreSQL's; SQLite's FTS5 index already holds no text.)
            migrationBuilder.Sql("""
                UPDATE search_documents SET category_values =
                  (SELECT json_group_array(value) FROM search_categories AS c WHERE c.document_id = search_documents.id)
                WHERE EXISTS (SELECT 1 FROM search_categories AS c WHERE c.document_id = search_documents.id);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "category_values",
                table: "search_documents");
        }
    }
}
