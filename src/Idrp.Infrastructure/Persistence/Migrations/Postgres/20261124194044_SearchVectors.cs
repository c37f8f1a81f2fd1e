using Microsoft.EntityFrameworkCore.Migrations;
using NpgsqlTypes;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SearchVectors : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The document's tsvector moves to a narrow table of its own (id and vector), which a trigger keeps in step with
            // search_texts: matching and ranking read rows of ~0.8 kB instead of ~1.4 kB (vector and text), so a word found
            // in thousands of documents reads a table that fits the buffer cache. Copied from the old generated column
            // before it is dropped.
            migrationBuilder.CreateTable(
                name: "search_vectors",
                columns: table => new
                {
                    document_id = table.Column<long>(type: "bigint", nullable: false),
                    tsv = table.Column<NpgsqlTsVector>(type: "tsvector", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_search_vectors", x => x.document_id);
                    table.ForeignKey(
                        name: "fk_search_vectors_search_texts_document_id",
                        column: x => x.document_id,
                        principalTable: "search_texts",
                        principalColumn: "document_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.Sql("INSERT INTO search_vectors (document_id, tsv) SELECT document_id, tsv FROM search_texts;");
            migrationBuilder.Sql("""
                CREATE FUNCTION search_texts_vector() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  INSERT INTO search_vectors (document_id, tsv) VALUES (NEW.document_id, to_tsvector('simple', NEW.text))
                  ON CONFLICT (document_id) DO UPDATE SET tsv = EXCLUDED.tsv;
                  RETURN NULL;
                END $$;
                """);
            migrationBuilder.Sql("CREATE TRIGGER search_texts_vector AFTER INSERT OR UPDATE OF text ON search_texts FOR EACH ROW EXECUTE FUNCTION search_texts_vector();");

            migrationBuilder.CreateIndex(
                name: "ix_search_vectors_tsv",
                table: "search_vectors",
                column: "tsv")
                .Annotation("Npgsql:IndexMethod", "GIN");

            migrationBuilder.DropIndex(
                name: "ix_search_texts_tsv",
                table: "search_texts");

            migrationBuilder.DropColumn(
                name: "tsv",
                table: "search_texts");

            // The category facet is counted from the document row: its categories as a JSON array.
            migrationBuilder.AddColumn<string>(
                name: "category_values",
                table: "search_documents",
                type: "text",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.Sql("""
                UPDATE search_documents AS d SET category_values = c.list
                FROM (SELECT document_id, json_agg(value)::text AS list FROM search_categories GROUP BY document_id) AS c
                WHERE c.document_id = d.id;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS search_texts_vector ON search_texts;");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS search_texts_vector();");
            migrationBuilder.DropTable(
                name: "search_vectors");

            migrationBuilder.DropColumn(
                name: "category_values",
                table: "search_documents");

            migrationBuilder.AddColumn<NpgsqlTsVector>(
                name: "tsv",
                table: "search_texts",
                type: "tsvector",
                nullable: true,
                computedColumnSql: "to_tsvector('simple', text)",
                stored: true);

            migrationBuilder.CreateIndex(
                name: "ix_search_texts_tsv",
                table: "search_texts",
                column: "tsv")
                .Annotation("Npgsql:IndexMethod", "GIN");
        }
    }
}
