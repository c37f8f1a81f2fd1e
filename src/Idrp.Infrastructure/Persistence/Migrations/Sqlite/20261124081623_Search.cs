using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Search : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "search_documents",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    measurement_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    facility_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    year = table.Column<int>(type: "INTEGER", nullable: false),
                    collected_at = table.Column<long>(type: "INTEGER", nullable: false),
                    text = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_search_documents", x => x.id);
                    table.ForeignKey(
                        name: "fk_search_documents_measurements_measurement_id",
                        column: x => x.measurement_id,
                        principalTable: "measurements",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "search_categories",
                columns: table => new
                {
                    document_id = table.Column<long>(type: "INTEGER", nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_search_categories", x => new { x.document_id, x.value });
                    table.ForeignKey(
                        name: "fk_search_categories_search_documents_document_id",
                        column: x => x.document_id,
                        principalTable: "search_documents",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "search_settings",
                columns: table => new
                {
                    document_id = table.Column<long>(type: "INTEGER", nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    unit = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    value = table.Column<double>(type: "REAL", nullable: false),
                    raw_value = table.Column<double>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_search_settings", x => new { x.document_id, x.key });
                    table.ForeignKey(
                        name: "fk_search_settings_search_documents_document_id",
                        column: x => x.document_id,
                        principalTable: "search_documents",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_search_categories_value_document_id",
                table: "search_categories",
                columns: new[] { "value", "document_id" });

            migrationBuilder.CreateIndex(
                name: "ix_search_documents_collected_at_id",
                table: "search_documents",
                columns: new[] { "collected_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_search_documents_facility_id_id",
                table: "search_documents",
                columns: new[] { "facility_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_search_documents_measurement_id",
                table: "search_documents",
                column: "measurement_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_search_documents_year_id",
                table: "search_documents",
                columns: new[] { "year", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_search_settings_key_raw_value_document_id",
                table: "search_settings",
                columns: new[] { "key", "raw_value", "document_id" });

            migrationBuilder.CreateIndex(
                name: "ix_search_settings_key_unit_value_document_id",
                table: "search_settings",
                columns: new[] { "key", "unit", "value", "document_id" });

            // Full text: an FTS5 index over search_documents.text (external content, so the text is stored once),
            // kept in step by triggers inside the writing transaction. Words are normalized by the application
            // (SearchText), so the tokenizer only splits on spaces; prefix indexes make 2- and 3-letter prefixes cheap.
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE search_fts USING fts5(text, content='search_documents', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3');
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER search_documents_fts_insert AFTER INSERT ON search_documents BEGIN
                  INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text);
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER search_documents_fts_delete AFTER DELETE ON search_documents BEGIN
                  INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text);
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER search_documents_fts_update AFTER UPDATE ON search_documents BEGIN
                  INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text);
                  INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text);
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS search_documents_fts_insert;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS search_documents_fts_delete;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS search_documents_fts_update;");
            migrationBuilder.Sql("DROP TABLE IF EXISTS search_fts;");
            migrationBuilder.DropTable(
                name: "search_categories");

            migrationBuilder.DropTable(
                name: "search_settings");

            migrationBuilder.DropTable(
                name: "search_documents");
        }
    }
}
