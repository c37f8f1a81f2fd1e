using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Sqlite
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
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "licence",
                table: "search_documents",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "proposal_id",
                table: "search_documents",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

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

            // Existing documents take their measurement's values; new ones get them from SearchIndexer. Instants are UTC
            // ticks here (621355968000000000 is 1970-01-01, AccessRules.PublicFrom of a public record without embargo).
            migrationBuilder.Sql("""
                UPDATE search_documents
                SET proposal_id = m.proposal_id, instrument_id = m.instrument_id, technique = m.technique, licence = m.licence,
                    visibility = m.visibility, shared_with_signed_in_users = m.shared_with_signed_in_users,
                    public_from = CASE WHEN m.visibility = 'Public' THEN COALESCE(m.embargo_until, 621355968000000000) END
                FROM measurements AS m
                WHERE m.id = search_documents.measurement_id;
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
