using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HealthcareCms.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "cms");

            migrationBuilder.CreateTable(
                name: "audit_chain_head",
                schema: "cms",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    last_sequence = table.Column<long>(type: "bigint", nullable: false),
                    last_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_chain_head", x => x.id);
                    table.CheckConstraint("ck_audit_chain_head_singleton", "id = 1");
                });

            migrationBuilder.CreateTable(
                name: "audit_log",
                schema: "cms",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    resource_type = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    resource_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    action = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    fhir_action = table.Column<string>(type: "character varying(1)", maxLength: 1, nullable: false),
                    outcome = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: true),
                    user_role = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    source_ip = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    request_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    decision_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    observer = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    previous_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_log", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "lgpd_requests",
                schema: "cms",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    type = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    state = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: true),
                    token_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    subscriber_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    due_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    overdue_reported_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_lgpd_requests", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "login_throttles",
                schema: "cms",
                columns: table => new
                {
                    key_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    failure_count = table.Column<int>(type: "integer", nullable: false),
                    window_started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    locked_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_login_throttles", x => x.key_hash);
                });

            migrationBuilder.CreateTable(
                name: "outbox_emails",
                schema: "cms",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    to_address = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false),
                    subject = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    body = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_outbox_emails", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "posts",
                schema: "cms",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    body = table.Column<string>(type: "text", nullable: false),
                    medical_category = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    status = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    author_id = table.Column<Guid>(type: "uuid", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    workflow_job_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_posts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "subscribers",
                schema: "cms",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    anonymised_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_subscribers", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "users",
                schema: "cms",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    email = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: false),
                    normalized_email = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: false),
                    display_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    role = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    password_hash = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    crm = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    uf = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: true),
                    rqe = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    specialty = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    mfa_secret = table.Column<byte[]>(type: "bytea", nullable: true),
                    mfa_pending_secret = table.Column<byte[]>(type: "bytea", nullable: true),
                    mfa_last_step = table.Column<long>(type: "bigint", nullable: true),
                    is_disabled = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_users", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "patient_consents",
                schema: "cms",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    post_id = table.Column<Guid>(type: "uuid", nullable: false),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: false),
                    scope = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    key_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    patient_name_ciphertext = table.Column<byte[]>(type: "bytea", nullable: false),
                    cpf_ciphertext = table.Column<byte[]>(type: "bytea", nullable: false),
                    birth_date_ciphertext = table.Column<byte[]>(type: "bytea", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_patient_consents", x => x.id);
                    table.ForeignKey(
                        name: "fk_patient_consents_posts_post_id",
                        column: x => x.post_id,
                        principalSchema: "cms",
                        principalTable: "posts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "post_revisions",
                schema: "cms",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    post_id = table.Column<Guid>(type: "uuid", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    body = table.Column<string>(type: "text", nullable: false),
                    medical_category = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    edited_by = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_post_revisions", x => x.id);
                    table.ForeignKey(
                        name: "fk_post_revisions_posts_post_id",
                        column: x => x.post_id,
                        principalSchema: "cms",
                        principalTable: "posts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "consent_records",
                schema: "cms",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    subscriber_id = table.Column<Guid>(type: "uuid", nullable: false),
                    purpose = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    action = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    policy_version = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    channel = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_consent_records", x => x.id);
                    table.ForeignKey(
                        name: "fk_consent_records_subscribers_subscriber_id",
                        column: x => x.subscriber_id,
                        principalSchema: "cms",
                        principalTable: "subscribers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "sessions",
                schema: "cms",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    mfa = table.Column<bool>(type: "boolean", nullable: false),
                    revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    revocation_reason = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sessions", x => x.id);
                    table.ForeignKey(
                        name: "fk_sessions_users_user_id",
                        column: x => x.user_id,
                        principalSchema: "cms",
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "refresh_tokens",
                schema: "cms",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    session_id = table.Column<Guid>(type: "uuid", nullable: false),
                    token_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    used_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_refresh_tokens", x => x.id);
                    table.ForeignKey(
                        name: "fk_refresh_tokens_sessions_session_id",
                        column: x => x.session_id,
                        principalSchema: "cms",
                        principalTable: "sessions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.InsertData(
                schema: "cms",
                table: "audit_chain_head",
                columns: new[] { "id", "last_hash", "last_sequence" },
                values: new object[] { 1, "0000000000000000000000000000000000000000000000000000000000000000", 0L });

            migrationBuilder.CreateIndex(
                name: "ix_audit_log_occurred_at",
                schema: "cms",
                table: "audit_log",
                column: "occurred_at");

            migrationBuilder.CreateIndex(
                name: "ix_audit_log_resource_type_resource_id",
                schema: "cms",
                table: "audit_log",
                columns: new[] { "resource_type", "resource_id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_log_user_id",
                schema: "cms",
                table: "audit_log",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ix_consent_records_subscriber_id_purpose_recorded_at",
                schema: "cms",
                table: "consent_records",
                columns: new[] { "subscriber_id", "purpose", "recorded_at" });

            migrationBuilder.CreateIndex(
                name: "ix_lgpd_requests_state_due_at",
                schema: "cms",
                table: "lgpd_requests",
                columns: new[] { "state", "due_at" });

            migrationBuilder.CreateIndex(
                name: "ix_outbox_emails_created_at",
                schema: "cms",
                table: "outbox_emails",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_patient_consents_post_id",
                schema: "cms",
                table: "patient_consents",
                column: "post_id");

            migrationBuilder.CreateIndex(
                name: "ix_post_revisions_post_id_version",
                schema: "cms",
                table: "post_revisions",
                columns: new[] { "post_id", "version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_posts_author_id",
                schema: "cms",
                table: "posts",
                column: "author_id");

            migrationBuilder.CreateIndex(
                name: "ix_posts_status_published_at",
                schema: "cms",
                table: "posts",
                columns: new[] { "status", "published_at" });

            migrationBuilder.CreateIndex(
                name: "ix_posts_workflow_job_id",
                schema: "cms",
                table: "posts",
                column: "workflow_job_id");

            migrationBuilder.CreateIndex(
                name: "ix_refresh_tokens_session_id",
                schema: "cms",
                table: "refresh_tokens",
                column: "session_id");

            migrationBuilder.CreateIndex(
                name: "ix_refresh_tokens_token_hash",
                schema: "cms",
                table: "refresh_tokens",
                column: "token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_sessions_user_id",
                schema: "cms",
                table: "sessions",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ix_subscribers_email",
                schema: "cms",
                table: "subscribers",
                column: "email",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_users_normalized_email",
                schema: "cms",
                table: "users",
                column: "normalized_email",
                unique: true);

            // Append-only tables: the database itself rejects UPDATE, DELETE and TRUNCATE (HIPAA 164.312(b)/(c),
            // LGPD Art. 8 ledger). The hash chain (cms.audit_log.hash) reveals a change made around the trigger.
            migrationBuilder.Sql("""
                CREATE FUNCTION cms.reject_append_only_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'cms.% is append-only: % rejected', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
                END
                $$;
                CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON cms.audit_log
                    FOR EACH ROW EXECUTE FUNCTION cms.reject_append_only_change();
                CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON cms.audit_log
                    FOR EACH STATEMENT EXECUTE FUNCTION cms.reject_append_only_change();
                CREATE TRIGGER consent_records_append_only BEFORE UPDATE OR DELETE ON cms.consent_records
                    FOR EACH ROW EXECUTE FUNCTION cms.reject_append_only_change();
                CREATE TRIGGER consent_records_no_truncate BEFORE TRUNCATE ON cms.consent_records
                    FOR EACH STATEMENT EXECUTE FUNCTION cms.reject_append_only_change();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER consent_records_no_truncate ON cms.consent_records;
                DROP TRIGGER consent_records_append_only ON cms.consent_records;
                DROP TRIGGER audit_log_no_truncate ON cms.audit_log;
                DROP TRIGGER audit_log_append_only ON cms.audit_log;
                DROP FUNCTION cms.reject_append_only_change();
                """);
            migrationBuilder.DropTable(
                name: "audit_chain_head",
                schema: "cms");

            migrationBuilder.DropTable(
                name: "audit_log",
                schema: "cms");

            migrationBuilder.DropTable(
                name: "consent_records",
                schema: "cms");

            migrationBuilder.DropTable(
                name: "lgpd_requests",
                schema: "cms");

            migrationBuilder.DropTable(
                name: "login_throttles",
                schema: "cms");

            migrationBuilder.DropTable(
                name: "outbox_emails",
                schema: "cms");

            migrationBuilder.DropTable(
                name: "patient_consents",
                schema: "cms");

            migrationBuilder.DropTable(
                name: "post_revisions",
                schema: "cms");

            migrationBuilder.DropTable(
                name: "refresh_tokens",
                schema: "cms");

            migrationBuilder.DropTable(
                name: "subscribers",
                schema: "cms");

            migrationBuilder.DropTable(
                name: "posts",
                schema: "cms");

            migrationBuilder.DropTable(
                name: "sessions",
                schema: "cms");

            migrationBuilder.DropTable(
                name: "users",
                schema: "cms");
        }
    }
}
