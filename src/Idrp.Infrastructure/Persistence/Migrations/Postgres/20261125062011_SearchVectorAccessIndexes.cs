using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Postgres
{
    /// <summary>
    /// Text indexes of the rows the access rule's broad terms read (public ones, those shared with every signed-in user),
    /// and the vectors by proposal and by measurement for its narrow ones, so that a text search answers each term from
    /// its own index (PostgresIdrpDbContext.NewestReadableMatchesAsync).
    /// </summary>
    public partial class SearchVectorAccessIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_search_vectors_measurement_id",
                table: "search_vectors",
                column: "measurement_id");

            migrationBuilder.CreateIndex(
                name: "ix_search_vectors_proposal_id",
                table: "search_vectors",
                column: "proposal_id");

            migrationBuilder.CreateIndex(
                name: "ix_search_vectors_tsv_public",
                table: "search_vectors",
                column: "tsv",
                filter: "public_from IS NOT NULL")
                .Annotation("Npgsql:IndexMethod", "GIN");

            migrationBuilder.CreateIndex(
                name: "ix_search_vectors_tsv_signed_in",
                table: "search_vectors",
                column: "tsv",
                filter: "shared_with_signed_in_users")
                .Annotation("Npgsql:IndexMethod", "GIN");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_search_vectors_measurement_id",
                table: "search_vectors");

            migrationBuilder.DropIndex(
                name: "ix_search_vectors_proposal_id",
                table: "search_vectors");

            migrationBuilder.DropIndex(
                name: "ix_search_vectors_tsv_public",
                table: "search_vectors");

            migrationBuilder.DropIndex(
                name: "ix_search_vectors_tsv_signed_in",
                table: "search_vectors");
        }
    }
}
