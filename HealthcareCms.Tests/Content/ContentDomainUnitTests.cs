using System.Security.Cryptography;
using HealthcareCms.Api.Access;
using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Content;
using HealthcareCms.Api.Data;
using HealthcareCms.Api.Identity;
using HealthcareCms.Api.Lgpd;
using HealthcareCms.Api.Phi;

namespace HealthcareCms.Tests.Content;

/// <summary>The domain rules without the AppHost: state machine, CPF, PHI encryption, the audit chain, SQL shapes.</summary>
public sealed class ContentDomainUnitTests
{
    /// <summary>What counts as "the database is unavailable" (503, a retried migration, a retried background pass)
    /// and what is a real error that must surface: a failing statement, a permission, pending model changes.</summary>
    [Fact]
    public void Only_an_unreachable_or_restarting_database_counts_as_unavailable()
    {
        Assert.True(DatabaseUnavailableHandler.IsUnavailable(new Npgsql.NpgsqlException("connection refused", new System.Net.Sockets.SocketException())));
        Assert.True(DatabaseUnavailableHandler.IsUnavailable(new TimeoutException()));
        Assert.True(DatabaseUnavailableHandler.IsUnavailable(new Npgsql.PostgresException("starting up", "FATAL", "FATAL", "57P03")));
        Assert.True(DatabaseUnavailableHandler.IsUnavailable(new Npgsql.PostgresException("admin shutdown", "FATAL", "FATAL", "57P01")));
        Assert.True(DatabaseUnavailableHandler.IsUnavailable(new InvalidOperationException("wrapped", new TimeoutException())));

        Assert.False(DatabaseUnavailableHandler.IsUnavailable(new Npgsql.PostgresException("syntax", "ERROR", "ERROR", "42601")));
        Assert.False(DatabaseUnavailableHandler.IsUnavailable(new Npgsql.PostgresException("exists", "ERROR", "ERROR", "42P07")));
        Assert.False(DatabaseUnavailableHandler.IsUnavailable(new Npgsql.PostgresException("denied", "ERROR", "ERROR", "42501")));
        Assert.False(DatabaseUnavailableHandler.IsUnavailable(new InvalidOperationException("pending model changes")));
    }

    /// <summary>While PostgreSQL is down a request fails after 5 s of connecting, not Npgsql's 15 s; an explicit
    /// Timeout in the connection string wins.</summary>
    [Theory]
    [InlineData("Host=localhost;Port=5433;Database=cmsdb;Username=postgres", 5)]
    [InlineData("Host=localhost;Database=cmsdb;Timeout=30", 30)]
    [InlineData("Host=localhost;Database=cmsdb;timeout=2;Command Timeout=60", 2)]
    public void The_api_connects_with_a_short_timeout_unless_the_connection_string_sets_one(string connectionString, int expected) =>
        Assert.Equal(expected, new Npgsql.NpgsqlConnectionStringBuilder(DatabaseExtensions.WithConnectTimeout(connectionString)).Timeout);

    [Theory]
    [InlineData("draft", "submitted", true)]
    [InlineData("submitted", "in_review", true)]
    [InlineData("in_review", "approved", true)]
    [InlineData("in_review", "changes_requested", true)]
    [InlineData("approved", "published", true)]
    [InlineData("approved", "archived", true)]
    [InlineData("changes_requested", "submitted", true)]
    [InlineData("published", "archived", true)]
    [InlineData("draft", "published", false)]
    [InlineData("draft", "approved", false)]
    [InlineData("submitted", "published", false)]
    [InlineData("changes_requested", "published", false)]
    [InlineData("archived", "draft", false)]
    [InlineData("published", "draft", false)]
    [InlineData("approved", "in_review", false)]
    public void The_state_machine_allows_exactly_the_contract_transitions(string from, string to, bool allowed)
    {
        var post = new Post { Title = "t", Body = "b", MedicalCategory = "general", Status = from, Version = 3 };

        Assert.Equal(allowed, post.TryMoveTo(to, DateTimeOffset.UnixEpoch));
        Assert.Equal(allowed ? to : from, post.Status);
        Assert.Equal(allowed ? 4 : 3, post.Version);
        Assert.Equal(allowed && to == "published", post.PublishedAt is not null);
    }

    [Theory]
    [InlineData("529.982.247-25", "52998224725")]
    [InlineData("52998224725", "52998224725")]
    [InlineData("111.444.777-35", "11144477735")]
    public void Valid_cpfs_normalize_to_eleven_digits(string input, string expected) =>
        Assert.Equal(expected, Cpf.Normalize(input));

    [Theory]
    [InlineData("529.982.247-24")]
    [InlineData("52998224735")]
    [InlineData("000.000.000-00")]
    [InlineData("99999999999")]
    [InlineData("5299822472")]
    [InlineData("529982247251")]
    [InlineData("52998a24725")]
    [InlineData("")]
    [InlineData(null)]
    public void Wrong_check_digits_repeated_digits_and_garbage_are_invalid(string? input) =>
        Assert.False(Cpf.IsValid(input));

    [Fact]
    public void Phi_round_trips_only_with_its_row_column_and_key()
    {
        var protector = Protector(("k1", new string('a', 40)));
        var row = Guid.NewGuid();

        var ciphertext = protector.Encrypt("Maria Souza", row, "patient_name");

        Assert.Equal("Maria Souza", protector.Decrypt("k1", ciphertext, row, "patient_name"));
        Assert.NotEqual(ciphertext, protector.Encrypt("Maria Souza", row, "patient_name"));
        Assert.ThrowsAny<CryptographicException>(() => protector.Decrypt("k1", ciphertext, Guid.NewGuid(), "patient_name"));
        Assert.ThrowsAny<CryptographicException>(() => protector.Decrypt("k1", ciphertext, row, "cpf"));
        ciphertext[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => protector.Decrypt("k1", ciphertext, row, "patient_name"));
    }

    [Fact]
    public void Keys_rotate_old_ciphertexts_still_decrypt_with_their_key_id()
    {
        var row = Guid.NewGuid();
        var old = Protector(("k1", new string('a', 40)));
        var stored = old.Encrypt("123", row, "cpf");

        var rotated = new PhiProtector(new PhiEncryptionOptions
        {
            ActiveKeyId = "k2",
            Keys = new() { ["k1"] = new string('a', 40), ["k2"] = new string('b', 40) },
        });

        Assert.Equal("k2", rotated.ActiveKeyId);
        Assert.Equal("123", rotated.Decrypt("k1", stored, row, "cpf"));
        Assert.ThrowsAny<CryptographicException>(() => rotated.Decrypt("k2", stored, row, "cpf"));
        Assert.Throws<InvalidOperationException>(() => Protector(("k1", "short")));
    }

    [Fact]
    public void The_audit_hash_covers_every_field_and_the_previous_hash()
    {
        var record = new AuditRecord
        {
            Id = 7, OccurredAt = AuditChain.ToStoredPrecision(DateTimeOffset.UtcNow), ResourceType = "post", ResourceId = "x",
            Action = "create", FhirAction = "C", Outcome = "success", UserId = Guid.NewGuid(), UserRole = "physician",
            SourceIp = "10.0.0.1", RequestId = "r", DecisionId = null, Observer = "api", PreviousHash = AuditChain.GenesisHash, Hash = "",
        };
        var hash = AuditChain.ComputeHash(record);

        Assert.Matches("^[0-9a-f]{64}$", hash);
        Assert.NotEqual(hash, AuditChain.ComputeHash(Clone(record, r => r.Outcome = "denied")));
        Assert.NotEqual(hash, AuditChain.ComputeHash(Clone(record, r => r.PreviousHash = new string('1', 64))));
        Assert.NotEqual(hash, AuditChain.ComputeHash(Clone(record, r => r.DecisionId = "")));
        Assert.NotEqual(hash, AuditChain.ComputeHash(Clone(record, r => r.OccurredAt = r.OccurredAt.AddTicks(10))));
        Assert.NotEqual(hash, AuditChain.ComputeHash(Clone(record, r => (r.ResourceId, r.RequestId) = ("x|1:r", null))));
        Assert.Equal(0, AuditChain.ToStoredPrecision(DateTimeOffset.UtcNow).Ticks % 10);
    }

    [Theory]
    [InlineData("SELECT p.id FROM cms.posts AS p WHERE p.id = @p", "posts", "select")]
    [InlineData("INSERT INTO cms.post_revisions (id) VALUES (@p0)", "post_revisions", "insert")]
    [InlineData("UPDATE cms.posts SET version = @p0 WHERE id = @p1", "posts", "update")]
    [InlineData("DELETE FROM cms.outbox_emails WHERE to_address = @p", "other", "delete")]
    [InlineData("INSERT INTO workflow.jobs (id) VALUES (@p0)", "workflow_jobs", "insert")]
    [InlineData("SELECT s.stage FROM workflow.stage_results AS s", "workflow_results", "select")]
    [InlineData("SELECT * FROM cms.audit_chain_head WHERE id = 1 FOR UPDATE", "audit_log", "select")]
    [InlineData("SELECT count(*)::int FROM (SELECT 1 FROM cms.subscribers AS s) AS t", "subscribers", "select")]
    [InlineData("SELECT migration_id FROM \"__EFMigrationsHistory\"", "other", "select")]
    [InlineData("LISTEN workflow_progress", "other", "other")]
    [InlineData("", "other", "other")]
    public void Sql_is_reduced_to_a_table_and_command_from_closed_sets(string sql, string source, string command) =>
        Assert.Equal(new SqlShape(source, command), SqlShape.Of(sql));

    [Theory]
    [InlineData("confirmation", "access_request")]
    [InlineData("access", "access_request")]
    [InlineData("sharing_info", "access_request")]
    [InlineData("correction", "correction_request")]
    [InlineData("deletion", "deletion_request")]
    [InlineData("portability", "portability_request")]
    [InlineData("revocation", null)]
    public void Request_types_map_to_the_closed_set_of_lgpd_events(string type, string? eventType) =>
        Assert.Equal(eventType, DataSubjectRequestService.RequestEventOf(type));

    private static PhiProtector Protector((string Id, string Secret) key) =>
        new(new PhiEncryptionOptions { ActiveKeyId = key.Id, Keys = new() { [key.Id] = key.Secret } });

    private static AuditRecord Clone(AuditRecord record, Action<AuditRecord> change)
    {
        var copy = new AuditRecord
        {
            Id = record.Id, OccurredAt = record.OccurredAt, ResourceType = record.ResourceType, ResourceId = record.ResourceId,
            Action = record.Action, FhirAction = record.FhirAction, Outcome = record.Outcome, UserId = record.UserId,
            UserRole = record.UserRole, SourceIp = record.SourceIp, RequestId = record.RequestId, DecisionId = record.DecisionId,
            Observer = record.Observer, PreviousHash = record.PreviousHash, Hash = record.Hash,
        };
        change(copy);
        return copy;
    }
}
