using System.Text.Json.Nodes;
using Idrp.Cli.Commands;

namespace Idrp.Cli.Tests;

/// <summary>How <c>idrp jobs</c> reads <c>--param</c> values and summarises a job type's parameter schema.</summary>
public sealed class JobsParameterTests
{
    [Fact]
    public void Param_values_are_json_when_they_parse_and_strings_otherwise()
    {
        var parameters = JobsCommands.ParseParameters("{\"size\": 128, \"mode\": \"fast\"}", ["size=256", "scale=2.5", "on=true", "name=SiGe islands", "label=\"3\"", "empty=", "nothing=null", "pair=a=b"]);
        Assert.Equal(
            "{\"size\":256,\"mode\":\"fast\",\"scale\":2.5,\"on\":true,\"name\":\"SiGe islands\",\"label\":\"3\",\"empty\":\"\",\"nothing\":null,\"pair\":\"a=b\"}",
            parameters.ToJsonString());

        var twice = Assert.Throws<CliException>(() => JobsCommands.ParseParameters(null, ["size=1", "size=2"]));
        Assert.Equal(ExitCodes.Usage, twice.ExitCode);
        var broken = Assert.Throws<CliException>(() => JobsCommands.ParseParameters("{\"size\": ", []));
        Assert.Equal(ExitCodes.Usage, broken.ExitCode);
        Assert.StartsWith("--params-json is not valid JSON: ", broken.Message);
    }

    [Fact]
    public void The_parameter_summary_of_a_schema_names_type_range_choices_and_description()
    {
        var schema = JsonNode.Parse("""
            {"type":"object","properties":{
              "size":{"type":"integer","minimum":16,"maximum":1024,"description":"Edge of the thumbnail in pixels."},
              "format":{"enum":["png","jpeg"]},
              "label":{"type":["string","null"]}},
             "required":["size"],"additionalProperties":false}
            """)!.AsObject();
        Assert.Equal(
            ["size: integer, required, 16 to 1024: Edge of the thumbnail in pixels.", "format: one of \"png\", \"jpeg\"", "label: string or null"],
            JobsCommands.ParameterSummary(schema));
        Assert.Empty(JobsCommands.ParameterSummary(JsonNode.Parse("""{"type":"object","properties":{},"additionalProperties":false}""")!.AsObject()));
    }
}
