using System.Text.RegularExpressions;
using HealthcareCms.Workflows.Pipeline;

namespace HealthcareCms.Workflows.Rules.Cfm;

/// <summary>
/// Medical advertising rules of Resolução CFM nº 2.336/2023. Author identification is checked on the
/// byline (the author's profile as the Api snapshots it), never guessed from the body.
/// </summary>
public sealed partial class CfmStage : IRuleStage
{
    public static readonly RuleDefinition AuthorIdentification = new("CFM-AUTHOR-ID",
        "Identificação do autor incompleta: nome e CRM/UF são obrigatórios (Res. CFM 2.336/2023, art. 4º).",
        "Incomplete author identification: name and CRM/state are required (CFM Res. 2,336/2023, art. 4).");

    public static readonly RuleDefinition SpecialtyRequiresRqe = new("CFM-SPECIALTY-RQE",
        "Especialidade anunciada sem RQE (Registro de Qualificação de Especialista).",
        "Specialty announced without an RQE (specialist qualification registration).");

    public static readonly RuleDefinition NonSpecialist = new("CFM-NON-SPECIALIST",
        "Área de atuação anunciada por médico sem RQE sem a expressão \"NÃO ESPECIALISTA\".",
        "Area of practice announced by a physician without RQE lacks the words \"NÃO ESPECIALISTA\" (not a specialist).");

    public static readonly RuleDefinition GuaranteedResults = new("CFM-GUARANTEED-RESULTS",
        "Promessa ou garantia de resultado é proibida (ex.: \"garantido\", \"100%\", \"cura definitiva\", \"sem riscos\").",
        "Promising or guaranteeing results is forbidden (e.g. \"guaranteed\", \"100%\", \"definitive cure\", \"risk-free\").");

    public static readonly RuleDefinition Superlatives = new("CFM-SUPERLATIVE",
        "Superlativos ou exclusividade são proibidos (ex.: \"o melhor\", \"único\", \"revolucionário\", \"milagroso\").",
        "Superlatives and claims of exclusivity are forbidden (e.g. \"the best\", \"unique\", \"revolutionary\", \"miraculous\").");

    public static readonly RuleDefinition BeforeAfter = new("CFM-BEFORE-AFTER",
        "\"Antes e depois\" só com finalidade educativa: indicação, riscos/complicações, \"os resultados podem variar\" e consentimento do paciente.",
        "\"Before and after\" only for education: indication, risks/complications, \"results may vary\" and the patient's consent.");

    public static readonly RuleDefinition Raffles = new("CFM-RAFFLE",
        "Sorteios, prêmios, brindes, descontos ou venda casada são proibidos.",
        "Raffles, prizes, gifts, discounts or tied sales are forbidden.");

    public static readonly RuleDefinition LiveProcedure = new("CFM-LIVE-PROCEDURE",
        "Exposição de procedimento ao vivo é proibida.",
        "Live exposure of a procedure is forbidden.");

    public static readonly RuleDefinition PatientImage = new("CFM-PATIENT-IMAGE",
        "Imagem de paciente sem referência de consentimento (patientConsentIds).",
        "Patient image without a consent reference (patientConsentIds).");

    /// <summary>The 27 federative units a CRM is registered in.</summary>
    public static readonly IReadOnlySet<string> Ufs = new HashSet<string>(StringComparer.Ordinal)
    {
        "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA", "PB", "PR", "PE", "PI",
        "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO",
    };

    public string Name => "cfm";

    public IReadOnlyList<RuleDefinition> Rules { get; } =
        [AuthorIdentification, SpecialtyRequiresRqe, NonSpecialist, GuaranteedResults, Superlatives, BeforeAfter, Raffles, LiveProcedure, PatientImage];

    public IReadOnlyList<Finding> Evaluate(WorkflowDocument document)
    {
        var text = document.Text;
        var author = document.Author;
        var findings = new List<Finding>();
        var hasRqe = !string.IsNullOrWhiteSpace(author.Rqe) && RqeNumber().IsMatch(author.Rqe);

        if (string.IsNullOrWhiteSpace(author.DisplayName)
            || author.Crm is null || !CrmNumber().IsMatch(author.Crm)
            || author.Uf is null || !Ufs.Contains(author.Uf.Trim().ToUpperInvariant()))
        {
            findings.Add(AuthorIdentification.Unpositioned());
        }

        if (!string.IsNullOrWhiteSpace(author.Specialty) && !hasRqe)
        {
            findings.Add(SpecialtyRequiresRqe.Unpositioned());
        }

        if (!hasRqe)
        {
            foreach (Match m in SpecialistClaim().Matches(text))
            {
                findings.Add(SpecialtyRequiresRqe.At(m));
            }

            if (!NonSpecialistMarker().IsMatch(text))
            {
                foreach (Match m in AreaOfPractice().Matches(text))
                {
                    findings.Add(NonSpecialist.At(m));
                }
            }
        }

        foreach (Match m in Guarantee().Matches(text))
        {
            findings.Add(GuaranteedResults.At(m));
        }

        foreach (Match m in Superlative().Matches(text))
        {
            findings.Add(Superlatives.At(m));
        }

        var educational = document.PatientConsentIds.Count > 0
                          && Indication().IsMatch(text) && Risks().IsMatch(text) && ResultsVary().IsMatch(text);
        if (!educational)
        {
            foreach (Match m in BeforeAfterMention().Matches(text))
            {
                findings.Add(BeforeAfter.At(m));
            }
        }

        foreach (Match m in Raffle().Matches(text))
        {
            findings.Add(Raffles.At(m));
        }

        foreach (Match m in Live().Matches(text))
        {
            if (ProcedureWord().IsMatch(TextScan.Slice(text, TextScan.SentenceAround(text, m.Index))))
            {
                findings.Add(LiveProcedure.At(m));
            }
        }

        if (document.PatientConsentIds.Count == 0)
        {
            foreach (Match m in Image().Matches(text))
            {
                if (m.Groups["patient"].Success
                    || PatientWord().IsMatch(TextScan.Slice(text, TextScan.SentenceAround(text, m.Index))))
                {
                    findings.Add(PatientImage.At(m));
                }
            }
        }

        return findings;
    }

    [GeneratedRegex(@"^\s*\d{1,7}\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex CrmNumber();

    [GeneratedRegex(@"^\s*\d{1,7}\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex RqeNumber();

    [GeneratedRegex(@"\b(?:especialista em|sou especialista|médic[oa] especialista|specialist in)\b", TextScan.Options)]
    private static partial Regex SpecialistClaim();

    [GeneratedRegex(@"\b(?:área de atuação|áreas de atuação|atuo em|atua em|area of practice)\b", TextScan.Options)]
    private static partial Regex AreaOfPractice();

    [GeneratedRegex(@"N[ÃA]O ESPECIALISTA", RegexOptions.CultureInvariant)]
    private static partial Regex NonSpecialistMarker();

    [GeneratedRegex(@"(?:\bgarantid[oa]s?\b|\bgarantia de (?:resultado|cura|sucesso)|(?<![\d,.])100\s?%|\bcura definitiva\b|\bsem riscos?\b|\bresultado certo\b|\bguaranteed\b|\brisk-free\b|\bdefinitive cure\b)", TextScan.Options)]
    private static partial Regex Guarantee();

    [GeneratedRegex(@"\b(?:[oa] melhor|[oa]s melhores|únic[oa]|exclusiv[oa]|revolucionári[oa]|milagros[oa]|milagre|the best|the only|unique|revolutionary|miracul(?:ous)?|miracle)\b", TextScan.Options)]
    private static partial Regex Superlative();

    [GeneratedRegex(@"\b(?:antes e depois|antes/depois|before and after|before/after)\b", TextScan.Options)]
    private static partial Regex BeforeAfterMention();

    [GeneratedRegex(@"\b(?:indicaç(?:ão|ões)|indicad[oa] para|indication)", TextScan.Options)]
    private static partial Regex Indication();

    [GeneratedRegex(@"\b(?:riscos|complicaç(?:ão|ões)|risks|complications)\b", TextScan.Options)]
    private static partial Regex Risks();

    [GeneratedRegex(@"\b(?:resultados podem variar|results may vary)\b", TextScan.Options)]
    private static partial Regex ResultsVary();

    [GeneratedRegex(@"\b(?:sorteios?|sortear|prêmios?|premiaç(?:ão|ões)|brindes?|descontos?|promoç(?:ão|ões)|compre .{1,40} ganhe|leve .{1,40} pague|pacote promocional|combo|giveaway|raffle|prizes?|discount|buy one get)\b", TextScan.Options)]
    private static partial Regex Raffle();

    [GeneratedRegex(@"\b(?:ao vivo|em tempo real|live|transmissão ao vivo|livestream)\b", TextScan.Options)]
    private static partial Regex Live();

    [GeneratedRegex(@"\b(?:cirurgias?|procedimentos?|operaç(?:ão|ões)|surgery|procedures?)\b", TextScan.Options)]
    private static partial Regex ProcedureWord();

    [GeneratedRegex(@"!\[[^\]]*\]\([^)]*\)|<img\b[^>]*>|\b(?:foto|fotos|imagem|imagens|photo|photos|picture)\s+(?:d[oa]s?|of the)\s+(?<patient>pacientes?|patients?)\b", TextScan.Options)]
    private static partial Regex Image();

    [GeneratedRegex(@"\b(?:pacientes?|patients?)\b", TextScan.Options)]
    private static partial Regex PatientWord();
}
