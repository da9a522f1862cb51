using HealthcareCms.Workflows.Pipeline;
using HealthcareCms.Workflows.Rules;
using HealthcareCms.Workflows.Rules.Lgpd;

namespace HealthcareCms.Tests.Workflows;

/// <summary>
/// Golden tests: for every rule, a text that fails it (the finding points at the offending words) and a
/// close variant that passes it. The catalogue in docs/validation-rules.md uses the same examples.
/// </summary>
public sealed class RuleGoldenTests
{
    private static readonly IRuleStage[] Stages = RuleStages.Create();

    private static readonly AuthorByline Specialist = new("Dr. Paulo Lima", "98765", "RJ", "12345", "Cardiologia");

    public sealed record GoldenCase(
        string RuleId, string Body, string? Span, AuthorByline? Author = null, string[]? Consents = null)
    {
        public override string ToString() => RuleId;
    }

    /// <summary>Texts that violate the rule; <see cref="GoldenCase.Span"/> is what the finding must cover (null: byline finding at 0/0).</summary>
    public static TheoryData<GoldenCase> Failing() =>
    [
        new("LGPD-CPF", "O paciente informou o CPF 529.982.247-25 na consulta.", "529.982.247-25"),
        new("LGPD-CPF", "Documento 52998224725 anexado.", "52998224725"),
        new("LGPD-CNS", "Cartão SUS 710 1901 3411 7639 apresentado na triagem.", "710 1901 3411 7639"),
        new("LGPD-CNS", "CNS 151027346468695.", "151027346468695"),
        new("LGPD-RG", "Apresentou o RG 12.345.678-9 na recepção.", "12.345.678-9"),
        new("LGPD-PHONE", "Para dúvidas, ligue (11) 98765-4321 depois das 18h.", "(11) 98765-4321"),
        new("LGPD-EMAIL", "Resultados enviados para joao.silva@example.com ontem.", "joao.silva@example.com"),
        new("LGPD-BIRTHDATE", "A paciente, nascida em 12/03/1980, relatou dor torácica.", "12/03/1980"),
        new("LGPD-PATIENT-NAME", "A paciente Maria Souza chegou ao pronto-socorro com dispneia.", "Maria Souza"),
        new("MED-EFFICACY-SOURCE", "Este chá é eficaz contra a enxaqueca.", "é eficaz"),
        new("MED-DOSAGE-CONTEXT", "Tome 500 mg de paracetamol.", "500 mg"),
        new("MED-DISCLAIMER", "O tratamento da hipertensão começa por mudanças de hábitos.", "tratamento"),
        new("MED-ABSOLUTE-CLAIM", "Esta vacina é sem efeitos colaterais.", "sem efeitos colaterais"),
        new("CFM-AUTHOR-ID", "Texto educativo sobre sono.", null, new AuthorByline("Dra. Ana Ribeiro", null, "SP", null, null)),
        new("CFM-AUTHOR-ID", "Texto educativo sobre sono.", null, new AuthorByline("Dra. Ana Ribeiro", "123456", "XX", null, null)),
        new("CFM-AUTHOR-ID", "Texto educativo sobre sono.", null, new AuthorByline("  ", "123456", "SP", null, null)),
        new("CFM-SPECIALTY-RQE", "Texto educativo sobre sono.", null, new AuthorByline("Dr. Paulo Lima", "98765", "RJ", null, "Cardiologia")),
        new("CFM-SPECIALTY-RQE", "Sou especialista em cardiologia há dez anos.", "Sou especialista"),
        new("CFM-NON-SPECIALIST", "Área de atuação: dermatologia estética.", "Área de atuação"),
        new("CFM-GUARANTEED-RESULTS", "Resultado garantido em 30 dias.", "garantido"),
        new("CFM-GUARANTEED-RESULTS", "Técnica 100% segura.", "100%"),
        new("CFM-GUARANTEED-RESULTS", "Oferecemos a cura definitiva da calvície.", "cura definitiva"),
        new("CFM-GUARANTEED-RESULTS", "Procedimento sem riscos.", "sem riscos"),
        new("CFM-SUPERLATIVE", "Somos a melhor clínica da cidade.", "a melhor"),
        new("CFM-SUPERLATIVE", "Um método revolucionário para a pele.", "revolucionário"),
        new("CFM-SUPERLATIVE", "O único tratamento que funciona.", "único"),
        new("CFM-BEFORE-AFTER", "Veja o antes e depois da paciente.", "antes e depois"),
        new("CFM-RAFFLE", "Participe do sorteio de uma consulta.", "sorteio"),
        new("CFM-RAFFLE", "Compre um peeling e ganhe uma limpeza de pele.", "Compre um peeling e ganhe"),
        new("CFM-LIVE-PROCEDURE", "Acompanhe a cirurgia ao vivo no nosso perfil.", "ao vivo"),
        new("CFM-PATIENT-IMAGE", "Evolução: ![Foto da paciente após o tratamento](https://cdn.example/caso.jpg)",
            "![Foto da paciente após o tratamento](https://cdn.example/caso.jpg)"),
        new("CFM-PATIENT-IMAGE", "Veja as fotos do paciente na galeria.", "fotos do paciente"),
    ];

    /// <summary>Close variants that satisfy the rule.</summary>
    public static TheoryData<GoldenCase> Passing() =>
    [
        new("LGPD-CPF", "O número 529.982.247-24 não é um CPF válido (dígitos errados).", null),
        new("LGPD-CPF", "Sequência 111.111.111-11 não é um CPF.", null),
        new("LGPD-CNS", "Protocolo 710 1901 3411 7638 registrado.", null),
        new("LGPD-RG", "Leve o RG e o cartão do SUS à consulta.", null),
        new("LGPD-PHONE", "Em caso de emergência, ligue para o SAMU (192).", null),
        new("LGPD-EMAIL", "Escreva para a clínica pelo formulário do site.", null),
        new("LGPD-BIRTHDATE", "O protocolo foi atualizado em 12/03/2020 pelo ministério.", null),
        new("LGPD-PATIENT-NAME", "A paciente M.S., 45 anos, chegou ao pronto-socorro com dispneia.", null),
        new("MED-EFFICACY-SOURCE", "Este chá é eficaz contra a enxaqueca [1].\n\nReferências\n[1] Silva et al., 2021.", null),
        new("MED-EFFICACY-SOURCE", "O exercício reduz o risco de infarto (Lima, 2019).", null),
        new("MED-DOSAGE-CONTEXT", "Tome 500 mg de paracetamol a cada 6 horas, conforme prescrição.", null),
        new("MED-DISCLAIMER", "O tratamento da hipertensão começa por mudanças de hábitos. "
                              + "Este conteúdo é informativo e não substitui a consulta médica.", null),
        new("MED-ABSOLUTE-CLAIM", "Esta vacina tem efeitos colaterais raros e leves.", null),
        new("CFM-AUTHOR-ID", "Texto educativo sobre sono.", null, new AuthorByline("Dra. Ana Ribeiro", "123456", "sp", null, null)),
        new("CFM-SPECIALTY-RQE", "Sou especialista em cardiologia há dez anos.", null, Specialist),
        new("CFM-SPECIALTY-RQE", "Texto educativo sobre sono.", null),
        new("CFM-NON-SPECIALIST", "Área de atuação: dermatologia estética (NÃO ESPECIALISTA).", null),
        new("CFM-NON-SPECIALIST", "Área de atuação: cardiologia.", null, Specialist),
        new("CFM-GUARANTEED-RESULTS", "Os resultados variam de pessoa para pessoa.", null),
        new("CFM-SUPERLATIVE", "Somos uma clínica dedicada à saúde da família.", null),
        new("CFM-BEFORE-AFTER", "Antes e depois de rinoplastia, com finalidade educativa. Indicação: desvio de septo. "
                                + "Riscos e complicações: sangramento e infecção. Os resultados podem variar.", null, null, ["consent-2024-0012"]),
        new("CFM-RAFFLE", "Agende sua consulta pelos canais da clínica.", null),
        new("CFM-LIVE-PROCEDURE", "Veja a entrevista ao vivo sobre prevenção.", null),
        new("CFM-LIVE-PROCEDURE", "Explicamos como é feita a cirurgia de catarata.", null),
        new("CFM-PATIENT-IMAGE", "Evolução: ![Foto da paciente após o tratamento](https://cdn.example/caso.jpg)", null, null, ["consent-2024-0012"]),
        new("CFM-PATIENT-IMAGE", "![Diagrama do coração](https://cdn.example/coracao.png)", null),
    ];

    [Theory]
    [MemberData(nameof(Failing))]
    public void A_text_that_violates_the_rule_is_reported_at_the_offending_words(GoldenCase golden)
    {
        var document = WorkflowTestData.Document(golden.Body, golden.Author, golden.Consents);

        var findings = Evaluate(golden.RuleId, document).Where(f => f.RuleId == golden.RuleId).ToList();

        Assert.NotEmpty(findings);
        if (golden.Span is null)
        {
            Assert.Contains(findings, f => f.Start == 0 && f.Length == 0);
        }
        else
        {
            Assert.Contains(golden.Span, findings.Select(f => document.Text.Substring(f.Start, f.Length)));
        }
    }

    [Theory]
    [MemberData(nameof(Passing))]
    public void A_text_that_satisfies_the_rule_has_no_finding_of_it(GoldenCase golden)
    {
        var document = WorkflowTestData.Document(golden.Body, golden.Author, golden.Consents);

        Assert.DoesNotContain(Evaluate(golden.RuleId, document), f => f.RuleId == golden.RuleId);
    }

    [Fact]
    public void Every_rule_has_a_failing_and_a_passing_golden_case_and_a_bilingual_message()
    {
        var failing = ((IEnumerable<object[]>)Failing()).Select(row => ((GoldenCase)row[0]).RuleId).ToHashSet();
        var passing = ((IEnumerable<object[]>)Passing()).Select(row => ((GoldenCase)row[0]).RuleId).ToHashSet();
        foreach (var rule in Stages.SelectMany(s => s.Rules))
        {
            Assert.Contains(rule.Id, failing);
            Assert.Contains(rule.Id, passing);
            Assert.False(string.IsNullOrWhiteSpace(rule.MessagePt));
            Assert.False(string.IsNullOrWhiteSpace(rule.MessageEn));
            Assert.NotEqual(rule.MessagePt, rule.MessageEn);
            Assert.Equal($"{rule.MessagePt} / {rule.MessageEn}", rule.At(0, 0).Message);
        }

        Assert.Equal(Stages.SelectMany(s => s.Rules).Count(), Stages.SelectMany(s => s.Rules).Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void The_clean_post_passes_every_rule_stage()
    {
        var document = WorkflowTestData.Document(WorkflowTestData.CleanBody);

        Assert.All(Stages, stage => Assert.Empty(stage.Evaluate(document)));
    }

    [Fact]
    public void A_finding_never_carries_the_personal_value_it_found()
    {
        var document = WorkflowTestData.Document(
            "A paciente Maria Souza (CPF 529.982.247-25, maria@example.com, (11) 98765-4321) nasceu em 12/03/1980.");

        var findings = new LgpdStage().Evaluate(document);

        Assert.Equal(5, findings.Count);
        foreach (var value in new[] { "Maria", "529.982.247-25", "maria@example.com", "98765-4321", "12/03/1980" })
        {
            Assert.All(findings, f => Assert.DoesNotContain(value, f.Message, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("52998224725", true)]
    [InlineData("52998224724", false)]
    [InlineData("00000000000", false)]
    [InlineData("1234567890", false)]
    public void Cpf_check_digits(string digits, bool valid) => Assert.Equal(valid, LgpdStage.IsValidCpf(digits));

    [Theory]
    [InlineData("151027346468695", true)]
    [InlineData("710190134117639", true)]
    [InlineData("710190134117638", false)]
    [InlineData("310190134117639", false)]
    public void Cns_check_digit(string digits, bool valid) => Assert.Equal(valid, LgpdStage.IsValidCns(digits));

    private static IReadOnlyList<Finding> Evaluate(string ruleId, WorkflowDocument document) =>
        Stages.Single(s => s.Rules.Any(r => r.Id == ruleId)).Evaluate(document);
}
