using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Postgres
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
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    measurement_id = table.Column<Guid>(type: "uuid", nullable: false),
                    facility_id = table.Column<Guid>(type: "uuid", nullable: true),
                    year = table.Column<int>(type: "integer", nullable: false),
                    collected_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    text = table.Column<string>(type: "text", nullable: false)
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
                    document_id = table.Column<long>(type: "bigint", nullable: false),
                    value = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
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
                    document_id = table.Column<long>(type: "bigint", nullable: false),
                    key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    unit = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    value = table.Column<double>(type: "double precision", nullable: false),
                    raw_value = table.Column<double>(type: "double precision", nullable: false)
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

            // Full text: a generated tsvector over the normalized words (SearchText) with a GIN index; 'simple'
            // because the words are identifiers, formulas and names more often than English.
            migrationBuilder.Sql("ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED;");
            migrationBuilder.Sql("CREATE INDEX ix_search_documents_tsv ON search_documents USING GIN (tsv);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_search_documents_tsv;");
            migrationBuilder.Sql("ALTER TABLE search_documents DROP COLUMN IF EXISTS tsv;");
            migrationBuilder.DropTable(
                name: "search_categories");

            migrationBuilder.DropTable(
                name: "search_settings");

            migrationBuilder.DropTable(
                name: "search_documents");
        }
    }
}
