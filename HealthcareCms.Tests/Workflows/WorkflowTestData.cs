using HealthcareCms.Workflows.Pipeline;

namespace HealthcareCms.Tests.Workflows;

internal static class WorkflowTestData
{
    public static readonly AuthorByline ValidAuthor = new("Dra. Ana Ribeiro", "123456", "SP", null, null);

    public static WorkflowPayload Payload(
        string body, string title = "Artigo", AuthorByline? author = null, string[]? consents = null, string category = "cardiology") =>
        new(Guid.NewGuid(), 1, title, body, category, author ?? ValidAuthor, consents ?? []);

    public static WorkflowDocument Document(string body, AuthorByline? author = null, string[]? consents = null) =>
        new(Payload(body, author: author, consents: consents));

    /// <summary>A post every stage and every shipped plugin passes.</summary>
    public const string CleanBody =
        "A hipertensão arterial (pressão alta) é comum em adultos. Medir a pressão com regularidade ajuda a "
        + "acompanhar a saúde do coração. Converse com seu médico sobre hábitos saudáveis.";
}
