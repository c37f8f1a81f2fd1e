using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SearchAccessColumns : Migration
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

            // Existing documents take their measurement's values; new ones get them from SearchIndexer.
            migrationBuilder.Sql("""
                UPDATE search_documents d
                SET proposal_id = m.proposal_id, instrument_id = m.instrument_id, technique = m.technique, licence = m.licence,
                    visibility = m.visibility, shared_with_signed_in_users = m.shared_with_signed_in_users,
                    public_from = CASE WHEN m.visibility = 'Public' THEN COALESCE(m.embargo_until, TIMESTAMPTZ '1970-01-01 00:00:00+00') END
                FROM measurements m
                WHERE m.id = d.measurement_id;
                """);

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

            // The tsv column and its GIN index (ix_search_documents_tsv), now declared in the model, were made by the Search migration.
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
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
