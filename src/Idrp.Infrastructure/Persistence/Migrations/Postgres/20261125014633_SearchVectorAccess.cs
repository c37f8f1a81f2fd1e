using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Idrp.Infrastructure.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SearchVectorAccess : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "measurement_id",
                table: "search_vectors",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<Guid>(
                name: "proposal_id",
                table: "search_vectors",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "public_from",
                table: "search_vectors",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "shared_with_signed_in_users",
                table: "search_vectors",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "visibility",
                table: "search_vectors",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            // The access facts of each document beside its vector, so that a text search with no other filter tests the
            // access rule on the rows the text index finds (PostgresIdrpDbContext.MatchIdsNewestFirstAsync). Documents are never
            // updated, only deleted and inserted, so copying them when the text row is written keeps them exact.
            migrationBuilder.Sql("""
                UPDATE search_vectors AS v
                SET measurement_id = d.measurement_id, proposal_id = d.proposal_id, visibility = d.visibility,
                    public_from = d.public_from, shared_with_signed_in_users = d.shared_with_signed_in_users
                FROM search_documents AS d WHERE d.id = v.document_id;
                """);
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION search_texts_vector() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  INSERT INTO search_vectors (document_id, tsv, measurement_id, proposal_id, visibility, public_from, shared_with_signed_in_users)
                  SELECT NEW.document_id, to_tsvector('simple', NEW.text), d.measurement_id, d.proposal_id, d.visibility, d.public_from, d.shared_with_signed_in_users
                  FROM search_documents AS d WHERE d.id = NEW.document_id
                  ON CONFLICT (document_id) DO UPDATE SET tsv = EXCLUDED.tsv, measurement_id = EXCLUDED.measurement_id,
                    proposal_id = EXCLUDED.proposal_id, visibility = EXCLUDED.visibility, public_from = EXCLUDED.public_from,
                    shared_with_signed_in_users = EXCLUDED.shared_with_signed_in_users;
                  RETURN NULL;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION search_texts_vector() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  INSERT INTO search_vectors (document_id, tsv) VALUES (NEW.document_id, to_tsvector('simple', NEW.text))
                  ON CONFLICT (document_id) DO UPDATE SET tsv = EXCLUDED.tsv;
                  RETURN NULL;
                END $$;
                """);

            migrationBuilder.DropColumn(
                name: "measurement_id",
                table: "search_vectors");

            migrationBuilder.DropColumn(
                name: "proposal_id",
                table: "search_vectors");

            migrationBuilder.DropColumn(
                name: "public_from",
                table: "search_vectors");

            migrationBuilder.DropColumn(
                name: "shared_with_signed_in_users",
                table: "search_vectors");

            migrationBuilder.DropColumn(
                name: "visibility",
                table: "search_vectors");
        }
    }
}
