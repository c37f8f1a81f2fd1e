using System;
using Microsoft.EntityFrameworkCore.Migrations;
using NpgsqlTypes;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SearchNarrowDocuments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "instrument_id",
                table: "search_documents",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "licence",
                table: "search_documents",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "proposal_id",
                table: "search_documents",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "public_from",
                table: "search_documents",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "shared_with_signed_in_users",
                table: "search_documents",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "technique",
                table: "search_documents",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "visibility",
                table: "search_documents",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "search_texts",
                columns: table => new
                {
                    document_id = table.Column<long>(type: "bigint", nullable: false),
                    text = table.Column<string>(type: "text", nullable: false),
                    tsv = table.Column<NpgsqlTsVector>(type: "tsvector", nullable: true, computedColumnSql: "to_tsvector('simple', text)", stored: true)
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

            // Existing documents take their measurement's facet values and access facts (new ones get them from SearchIndexer),
            // and their words move to search_texts with the tsvector column and its GIN index.
            migrationBuilder.Sql("""
                UPDATE search_documents d
                SET proposal_id = m.proposal_id, instrument_id = m.instrument_id, technique = m.technique, licence = m.licence,
                    visibility = m.visibility, shared_with_signed_in_users = m.shared_with_signed_in_users,
                    public_from = CASE WHEN m.visibility = 'Public' THEN COALESCE(m.embargo_until, TIMESTAMPTZ '1970-01-01 00:00:00+00') END
                FROM measurements m
                WHERE m.id = d.measurement_id;
                """);
            migrationBuilder.Sql("INSERT INTO search_texts (document_id, text) SELECT id, text FROM search_documents;");
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_search_documents_tsv;");
            migrationBuilder.Sql("ALTER TABLE search_documents DROP COLUMN IF EXISTS tsv;");
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

            migrationBuilder.CreateIndex(
                name: "ix_search_texts_tsv",
                table: "search_texts",
                column: "tsv")
                .Annotation("Npgsql:IndexMethod", "GIN");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "text",
                table: "search_documents",
                type: "text",
                nullable: false,
                defaultValue: "");
            migrationBuilder.Sql("UPDATE search_documents d SET text = t.text FROM search_texts t WHERE t.document_id = d.id;");
            migrationBuilder.Sql("ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED;");
            migrationBuilder.Sql("CREATE INDEX ix_search_documents_tsv ON search_documents USING GIN (tsv);");

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
                name: "proposal_id",
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
        }
    }
}
