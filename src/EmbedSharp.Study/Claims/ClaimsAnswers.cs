namespace EmbedSharp.Study.Claims;

/// <summary>Composes the study's four answers from the experiments' analyses: each answer is computed from the data
/// (best arm, the arms tied with it, effects with intervals), never written in advance.</summary>
public static class ClaimsAnswers
{
    /// <summary>One answer per question that has experiments among <paramref name="results"/>, in question order.</summary>
    public static IReadOnlyList<QuestionAnswer> Compose(IReadOnlyList<ExperimentResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var answers = new List<QuestionAnswer>();
        var init = results.Where(r => r.Spec.Id.StartsWith("lm-init-", StringComparison.Ordinal)).ToList();
        var contrast = results.Where(r => r.Spec.Id == "classifier-init-contrast").ToList();
        if (init.Count > 0)
        {
            answers.Add(new QuestionAnswer("init", "Which initialisation should the embedding table get?", [.. init.Select(r => r.Spec.Id), .. contrast.Select(r => r.Spec.Id)],
                InitAnswer(init, contrast), init.Count == 1 ? "Measured on one corpus; the full study adds Moby Dick." : ""));
        }

        foreach (var (id, question, experiment) in new[]
        {
            ("position", "Which positional encoding?", "lm-position"),
            ("tokenization", "Which tokenisation?", "lm-tokenization"),
            ("pretrained", "When do pretrained vectors help, and should they be frozen?", "classifier-pretrained-curve"),
        })
        {
            if (results.FirstOrDefault(r => r.Spec.Id == experiment) is { } r)
            {
                answers.Add(new QuestionAnswer(id, question, [experiment], r.Recommendation, ""));
            }
        }

        return answers;
    }

    private static string InitAnswer(List<ExperimentResult> init, List<ExperimentResult> contrast)
    {
        string Corpus(ExperimentResult r) => r.Spec.Id["lm-init-".Length..];
        var groups = init.Select(r => r.Groups[^1]).ToList();
        var common = groups.Select(g => (IEnumerable<string>)g.TiedWithBest).Aggregate((a, b) => a.Intersect(b)).ToList();
        var first = init[0];
        string Label(string arm) => first.Arm(arm).Label;
        var text = init.Count == 1
            ? $"In the Transformer language model ({Corpus(first)}), {Label(groups[0].Best)} is best"
                + (groups[0].TiedWithBest.Count > 1 ? $", tied with {string.Join(", ", groups[0].TiedWithBest.Skip(1).Select(Label))}" : "") + "."
            : common.Count > 0
                ? $"In the Transformer language model, {string.Join(", ", common.Select(Label))} {(common.Count == 1 ? "is" : "are")} best or tied with the best on every corpus ({string.Join(", ", init.Select(Corpus))})."
                : $"In the Transformer language model no scheme is best or tied with the best on every corpus: " + string.Join("; ", init.Select(r => $"{Corpus(r)}: {r.Arm(r.Groups[^1].Best).Label}")) + ".";
        if (first.Arms.Any(a => a.Arm == "normal") && groups[0].Comparisons.FirstOrDefault(c => c.Arm == "normal") is { } normal && !normal.Difference.IsTie)
        {
            text += $" PyTorch's default, normal_(0, 1), ends {ExperimentResult.Format(normal.Difference.Mean, first.Spec)} {first.Spec.Unit} worse (95 % interval {ExperimentResult.Format(normal.Difference.Low, first.Spec)} to {ExperimentResult.Format(normal.Difference.High, first.Spec)}) on {Corpus(first)}.";
        }

        foreach (var c in contrast)
        {
            // The contrast's verdict without its explanation (the report shows that in the experiment's section).
            var verdict = c.Verdict;
            var why = verdict.IndexOf(" Why:", StringComparison.Ordinal);
            text += " In the shallow classifier (the contrast): " + (why > 0 ? verdict[..why] : verdict);
        }

        return text;
    }
}
