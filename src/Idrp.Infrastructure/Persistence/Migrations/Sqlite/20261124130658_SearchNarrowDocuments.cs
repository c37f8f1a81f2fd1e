using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SearchNarrowDocuments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "proposal_id",
                table: "search_documents",
                type: "TEXT",
                nullable: false,
                defaultValue: Guid.Empty);

            migrationBuilder.AddColumn<Guid>(
                name: "instrument_id",
                table: "search_documents",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "licence",
                table: "search_documents",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "public_from",
                table: "search_documents",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "shared_with_signed_in_users",
                table: "search_documents",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "technique",
                table: "search_documents",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "visibility",
                table: "search_documents",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "search_texts",
                columns: table => new
                {
                    document_id = table.Column<long>(type: "INTEGER", nullable: false),
                    text = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_search_texts", x => x.document_id);
                    table.ForeignKey(
                        name: "fk_search_texts_search_documents_document_id",
                        column: x => x.document_id,
                        principalTable: "search_documents",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            // Existing documents take their measurement's facet values and access facts (new ones get them from SearchIndexer;
            // instants are UTC ticks, 621355968000000000 is 1970-01-01: AccessRules.PublicFrom without embargo), and their
            // words move to search_texts, which the FTS5 index now follows.
            migrationBuilder.Sql("""
                UPDATE search_documents
                SET proposal_id = m.proposal_id, instrument_id = m.instrument_id, technique = m.technique, licence = m.licence,
                    visibility = m.visibility, shared_with_signed_in_users = m.shared_with_signed_in_users,
                    public_from = CASE WHEN m.visibility = 'Public' THEN COALESCE(m.embargo_until, 621355968000000000) END
                FROM measurements AS m
                WHERE m.id = search_documents.measurement_id;
                """);
            migrationBuilder.Sql("INSERT INTO search_texts (document_id, text) SELECT id, text FROM search_documents;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS search_documents_fts_insert;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS search_documents_fts_delete;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS search_documents_fts_update;");
            migrationBuilder.Sql("DROP TABLE IF EXISTS search_fts;");
            CreateFullText(migrationBuilder, "search_texts", "document_id");
            migrationBuilder.Sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild');");
            migrationBuilder.DropColumn(
                name: "text",
                table: "search_documents");

            migrationBuilder.CreateIndex(
                name: "ix_search_documents_instrument_id_collected_at",
                table: "search_documents",
                columns: new[] { "instrument_id", "collected_at" });

            migrationBuilder.CreateIndex(
                name: "ix_search_documents_proposal_id_collected_at",
                table: "search_documents",
                columns: new[] { "proposal_id", "collected_at" });

            migrationBuilder.CreateIndex(
                name: "ix_search_documents_public_from_collected_at",
                table: "search_documents",
                columns: new[] { "public_from", "collected_at" });

            migrationBuilder.CreateIndex(
                name: "ix_search_documents_technique_year",
                table: "search_documents",
                columns: new[] { "technique", "year" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "text",
                table: "search_documents",
                type: "TEXT",
                nullable: false,
                defaultValue: "");
            migrationBuilder.Sql("UPDATE search_documents SET text = t.text FROM search_texts AS t WHERE t.document_id = search_documents.id;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS search_texts_fts_insert;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS search_texts_fts_delete;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS search_texts_fts_update;");
            migrationBuilder.Sql("DROP TABLE IF EXISTS search_fts;");

            migrationBuilder.DropTable(
                name: "search_texts");

            migrationBuilder.DropIndex(
                name: "ix_search_documents_instrument_id_collected_at",
                table: "search_documents");

            migrationBuilder.DropIndex(
                name: "ix_search_documents_proposal_id_collected_at",
                table: "search_documents");

            migrationBuilder.DropIndex(
                name: "ix_search_documents_public_from_collected_at",
                table: "search_documents");

            migrationBuilder.DropIndex(
                name: "ix_search_documents_technique_year",
                table: "search_documents");

            migrationBuilder.DropColumn(
                name: "instrument_id",
                table: "search_documents");

            migrationBuilder.DropColumn(
                name: "licence",
                table: "search_documents");

            migrationBuilder.DropColumn(
                name: "public_from",
                table: "search_documents");

            migrationBuilder.DropColumn(
                name: "shared_with_signed_in_users",
                table: "search_documents");

            migrationBuilder.DropColumn(
                name: "technique",
                table: "search_documents");

            migrationBuilder.DropColumn(
                name: "visibility",
                table: "search_documents");

            migrationBuilder.DropColumn(
                name: "proposal_id",
                table: "search_documents");

            // Last: rebuilding search_documents without the new columns would drop triggers made before.
            CreateFullText(migrationBuilder, "search_documents", "id");
            migrationBuilder.Sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild');");
        }

        /// <summary>The FTS5 index over <paramref name="table"/>.text as the Search migration made it, with its triggers.</summary>
        private static void CreateFullText(MigrationBuilder migrationBuilder, string table, string key)
        {
            migrationBuilder.Sql($"CREATE VIRTUAL TABLE search_fts USING fts5(text, content='{table}', content_rowid='{key}', tokenize='unicode61 remove_diacritics 2', prefix='2 3');");
            migrationBuilder.Sql($"""
                CREATE TRIGGER {table}_fts_insert AFTER INSERT ON {table} BEGIN
                  INSERT INTO search_fts(rowid, text) VALUES (new.{key}, new.text);
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER {table}_fts_delete AFTER DELETE ON {table} BEGIN
                  INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.{key}, old.text);
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER {table}_fts_update AFTER UPDATE ON {table} BEGIN
                  INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.{key}, old.text);
                  INSERT INTO search_fts(rowid, text) VALUES (new.{key}, new.text);
                END;
                """);
        }
    }
}
