using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <summary>
    /// Search texts are now stemmed terms (<see cref="Domain.Search.SearchText.Normalize"/>), and the stored ones are
    /// words: every search document goes, and the server's start (<see cref="Search.SearchIndexer.IndexMissingAsync"/>)
    /// makes them again. Children first (the texts' trigger takes their terms out of search_fts), then a rebuild of the
    /// now empty FTS5 index to be sure it holds nothing.
    /// </summary>
    public partial class SearchStemmedTerms : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DELETE FROM search_texts;");
            migrationBuilder.Sql("DELETE FROM search_categories;");
            migrationBuilder.Sql("DELETE FROM search_settings;");
            migrationBuilder.Sql("DELETE FROM search_documents;");
            migrationBuilder.Sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild');");
        }

        /// <summary>The documents are made again at start, with whatever tokenizer that server has.</summary>
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            Up(migrationBuilder);
        }
    }
}
