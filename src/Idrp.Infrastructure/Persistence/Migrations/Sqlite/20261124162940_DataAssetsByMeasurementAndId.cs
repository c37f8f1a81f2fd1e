using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DataAssetsByMeasurementAndId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_data_assets_measurement_id_id",
                table: "data_assets",
                columns: new[] { "measurement_id", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_data_assets_measurement_id_id",
                table: "data_assets");
        }
    }
}
