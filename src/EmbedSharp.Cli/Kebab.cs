using System.Text;

namespace EmbedSharp.Cli;

/// <summary>Enum values on the command line in kebab case: <c>XavierUniform</c> ⇄ <c>xavier-uniform</c>.</summary>
internal static class Kebab
{
    public static string Of<T>(T value)
        where T : struct, Enum
    {
        var name = value.ToString();
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var ch = name[i];
            if (char.IsUpper(ch) && i > 0 && !char.IsDigit(name[i - 1]))
            {
                sb.Append('-');
            }

            sb.Append(char.ToLowerInvariant(ch));
        }

        return sb.ToString();
    }

    public static IEnumerable<string> Names<T>()
        where T : struct, Enum => Enum.GetValues<T>().Select(Of);

    /// <summary>Parses a kebab-case (or snake_case, as PyTorch writes it) name with the CLI's one parser
    /// (<see cref="Choices{T}"/>); throws with the valid names listed.</summary>
    public static T Parse<T>(string text, string what)
        where T : struct, Enum => Choices.Of<T>().Parse(text, what);
}
