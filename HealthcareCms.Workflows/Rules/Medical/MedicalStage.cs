using System.Text.RegularExpressions;
using HealthcareCms.Workflows.Pipeline;

namespace HealthcareCms.Workflows.Rules.Medical;

/// <summary>Medical accuracy: sourced efficacy claims, dosage in context, the disclaimer, no absolute claims.</summary>
public sealed partial class MedicalStage : IRuleStage
{
    public static readonly RuleDefinition EfficacySource = new("MED-EFFICACY-SOURCE",
        "Alegação de eficácia sem fonte citada no parágrafo nem seção de referências.",
        "Efficacy claim without a cited source in its paragraph or a references section.");

    public static readonly RuleDefinition DosageContext = new("MED-DOSAGE-CONTEXT",
        "Dosagem mencionada sem contexto (frequência, via, duração ou prescrição médica) na mesma frase.",
        "Dosage mentioned without context (frequency, route, duration or medical prescription) in the same sentence.");

    public static readonly RuleDefinition Disclaimer = new("MED-DISCLAIMER",
        "Conteúdo sobre tratamento sem o aviso obrigatório: \"Este conteúdo é informativo e não substitui a consulta médica.\"",
        "Treatment content without the required notice that it does not replace a medical consultation.");

    public static readonly RuleDefinition AbsoluteClaim = new("MED-ABSOLUTE-CLAIM",
        "Alegação absoluta proibida (ex.: \"sempre funciona\", \"sem efeitos colaterais\").",
        "Banned absolute claim (e.g. \"always works\", \"no side effects\").");

    public string Name => "medical";

    public IReadOnlyList<RuleDefinition> Rules { get; } = [EfficacySource, DosageContext, Disclaimer, AbsoluteClaim];

    public IReadOnlyList<Finding> Evaluate(WorkflowDocument document)
    {
        var text = document.Text;
        var findings = new List<Finding>();

        var hasReferences = ReferencesSection().IsMatch(text);
        foreach (Match m in EfficacyClaim().Matches(text))
        {
            if (!hasReferences && !Citation().IsMatch(TextScan.Slice(text, TextScan.ParagraphAround(text, m.Index))))
            {
                findings.Add(EfficacySource.At(m));
            }
        }

        foreach (Match m in Dosage().Matches(text))
        {
            if (!DosageContextWords().IsMatch(TextScan.Slice(text, TextScan.SentenceAround(text, m.Index))))
            {
                findings.Add(DosageContext.At(m));
            }
        }

        var treatment = TreatmentTopic().Match(text);
        if (treatment.Success && !DisclaimerText().IsMatch(text))
        {
            findings.Add(Disclaimer.At(treatment));
        }

        foreach (Match m in Absolute().Matches(text))
        {
            findings.Add(AbsoluteClaim.At(m));
        }

        return findings;
    }

    [GeneratedRegex(@"\b(?:é eficaz|são eficazes|eficácia comprovada|comprovadamente|reduz o risco|reduz em \d+\s?%|previne|cientificamente comprovad[oa]|is effective|proven to|reduces the risk)\b", TextScan.Options)]
    private static partial Regex EfficacyClaim();

    [GeneratedRegex(@"\[\d+\]|\(\s*\p{Lu}[\p{L}-]+(?: et al\.?)?,?\s+(?:19|20)\d{2}\s*\)|\bdoi:\s*10\.|\bPMID:?\s*\d+|https?://|\b(?:Fonte|Source|Referência|Reference)s?:", TextScan.Options)]
    private static partial Regex Citation();

    [GeneratedRegex(@"^\s*#*\s*(?:Referências|Referências bibliográficas|References|Bibliografia)\s*:?\s*$", TextScan.Options | RegexOptions.Multiline)]
    private static partial Regex ReferencesSection();

    [GeneratedRegex(@"(?<![\w,.])\d+(?:[.,]\d+)?\s?(?:mg|g|mcg|µg|ml|UI|gotas|comprimidos?|cápsulas?|drops|tablets?)\b", TextScan.Options)]
    private static partial Regex Dosage();

    [GeneratedRegex(@"\b(?:por dia|ao dia|/dia|a cada|vezes|de \d+ em \d+|\d+\s?(?:h|horas)\b|por \d+ (?:dias|semanas)|durante|via oral|intravenos[oa]|prescri(?:ção|to)|orientação médica|per day|daily|every|times a day|for \d+ (?:days|weeks)|prescri(?:bed|ption))", TextScan.Options)]
    private static partial Regex DosageContextWords();

    [GeneratedRegex(@"\b(?:tratamentos?|medicamentos?|medicação|terapias?|posologia|cirurgias?|treatments?|medications?|therap(?:y|ies))\b", TextScan.Options)]
    private static partial Regex TreatmentTopic();

    [GeneratedRegex(@"não substitui (?:a |uma )?(?:consulta|avaliação|orientação)|does not replace (?:a |an )?(?:medical )?(?:consultation|appointment|evaluation)", TextScan.Options)]
    private static partial Regex DisclaimerText();

    [GeneratedRegex(@"\b(?:sempre funciona|nunca falha|funciona para todos|funciona em todos os casos|sem efeitos colaterais|totalmente segur[oa]|sem contraindicaç(?:ão|ões)|efeito imediato garantido|always works|never fails|works for everyone|no side effects|completely safe)\b", TextScan.Options)]
    private static partial Regex Absolute();
}
