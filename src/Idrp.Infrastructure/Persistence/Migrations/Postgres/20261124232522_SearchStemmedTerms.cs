using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Postgres
{
    /// <summary>
    /// Search texts are now stemmed terms (<see cref="Domain.Search.SearchText.Normalize"/>), and the stored ones are
    /// words: every search document goes (its texts, vectors, categories and settings by cascade), and the server's
    /// start (<see cref="Search.SearchIndexer.IndexMissingAsync"/>) makes them again.
    /// </summary>
    public partial class SearchStemmedTerms : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DELETE FROM search_documents;");
        }

        /// <summary>The documents are made again at start, with whatever tokenizer that server has.</summary>
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            Up(migrationBuilder);
        }
    }
}
