using HealthcareCms.Workflows.Pipeline;

namespace HealthcareCms.Workflows.Bench;

internal static class Posts
{
    public const string EmptyPlugin = """
        (module
          (memory (export "memory") 2)
          (func (export "alloc") (param i32) (result i32) (i32.const 65536))
          (func (export "validate") (param i32 i32) (result i64)
            (i32.store (i32.const 1024) (i32.const 0))
            (i64.const 4398046511108)))
        """;

    /// <summary>About 1.5 KB of realistic post text that passes every stage.</summary>
    public static readonly string Typical = string.Join(" ", Enumerable.Repeat(
        "A hipertensão arterial (pressão alta) é uma condição comum em adultos e costuma não causar sintomas. " +
        "Medir a pressão com regularidade ajuda a acompanhar a saúde do coração e dos rins. " +
        "Converse com seu médico sobre alimentação, atividade física e sono.", 6));

    private static readonly AuthorByline Author = new("Dra. Ana Ribeiro", "123456", "SP", "4567", "Cardiologia");

    public static readonly WorkflowPayload[] Mix =
    [
        Payload("Pressão alta: o que saber", Typical),
        Payload("Caso clínico", "A paciente Maria Souza, CPF 529.982.247-25, teve um AVC. " + Typical),
        Payload("Tratamento garantido", "O melhor tratamento, 100% garantido e sem efeitos colaterais. " + Typical),
        Payload("Dose", "Tome 500 mg de dipirona. Este tratamento é eficaz. " + Typical),
    ];

    public static WorkflowPayload Payload(string title, string body) =>
        new(Guid.NewGuid(), 1, title, body, "cardiology", Author, []);
}

internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "HealthcareCms.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("HealthcareCms.sln not found.");
    }
}
