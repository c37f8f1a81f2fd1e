using System.Globalization;
using System.Text;

namespace Idrp.Domain.Search;

/// <summary>
/// The one tokenizer of search: documents are stored and queries are built from the same words, so that
/// SQLite FTS5 and PostgreSQL full text agree on what a word is. A word is a run of letters and digits,
/// lower-cased, with accents removed ("Si0.8Ge0.2" → si0 8ge0 2, "Müller" → muller).
/// </summary>
public static class SearchText
{
    /// <summary>At most this many words of a query are used; the rest are ignored.</summary>
    public const int MaxQueryWords = 16;

    /// <summary>The words of <paramref name="text"/>, in order.</summary>
    public static List<string> Words(string? text)
    {
        var words = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            return words;
        }

        var decomposed = text.Normalize(NormalizationForm.FormD);
        var word = new StringBuilder();
        foreach (var c in decomposed)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }

            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }
            else if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>The text as it is stored in the index: its words separated by single spaces.</summary>
    public static string Normalize(string? text) => string.Join(' ', Words(text));

    /// <summary>
    /// The distinct words of a user's query (at most <see cref="MaxQueryWords"/>). Only letters and digits
    /// survive, so whatever the user typed, the engine query built from them is well-formed.
    /// </summary>
    public static List<string> QueryWords(string? query) =>
        [.. Words(query).Distinct(StringComparer.Ordinal).Take(MaxQueryWords)];

    /// <summary>An FTS5 MATCH expression: every word must occur, each as a prefix ("eht"* "5"*).</summary>
    public static string Fts5Query(IReadOnlyList<string> words) =>
        string.Join(' ', words.Select(w => "\"" + w + "\"*"));

    /// <summary>A PostgreSQL to_tsquery('simple', …) expression: every word must occur, each as a prefix (eht:* &amp; 5:*).</summary>
    public static string TsQuery(IReadOnlyList<string> words) =>
        string.Join(" & ", words.Select(w => w + ":*"));
}
