// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings are CloudFormation's ${} syntax, not JavaScript templates
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoadAppOptions, type LoadedApp, loadApp } from '../../../local/template/load.js';
import { type HandWrittenStack, tempAssemblyDir, writeAssembly } from '../assembly.js';
import { ALL_KNOWN_RUN, BASE_URL } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function loadAssembly(
  stacks: Record<string, HandWrittenStack>,
  stages: Record<string, Record<string, HandWrittenStack>> = {},
  files: Record<string, unknown> = {},
  options: Partial<LoadAppOptions> = {},
): LoadedApp {
  const dir = tempAssemblyDir();
  dirs.push(dir);
  writeAssembly(dir, stacks, stages, files);
  return loadApp({ cdkOut: dir, baseUrl: BASE_URL, types: ALL_KNOWN_RUN, ...options });
}

function find(app: LoadedApp, stackName: string, logicalId: string) {
  const found = app.stacks.find((s) => s.stackName === stackName)?.resources.find((r) => r.logicalId === logicalId);
  if (found === undefined) throw new Error(`no ${stackName}/${logicalId}`);
  return found;
}

/** As CDK writes a cross-stack reference: an output with a generated export name, imported by the consumer. */
const PRODUCER: HandWrittenStack = {
  template: {
    Resources: { Queue: { Type: 'AWS::SQS::Queue' } },
    Outputs: {
      ExportsOutputFnGetAttQueueArn: {
        Value: { 'Fn::GetAtt': ['Queue', 'Arn'] },
        Export: { Name: 'Producer:ExportsOutputFnGetAttQueueArn' },
      },
      QueueUrl: { Value: { Ref: 'Queue' }, Export: { Name: { 'Fn::Sub': '${AWS::StackName}-QueueUrl' } } },
    },
  },
};

const CONSUMER: HandWrittenStack = {
  dependencies: ['Producer'],
  template: {
    Resources: {
      Policy: {
        Type: 'AWS::SQS::QueueInlinePolicy',
        Properties: {
          Queue: { 'Fn::ImportValue': { 'Fn::Sub': 'Producer-QueueUrl' } },
          PolicyDocument: { Statement: [{ Resource: { 'Fn::ImportValue': 'Producer:ExportsOutputFnGetAttQueueArn' } }] },
        },
      },
    },
  },
};

describe('loadApp with several stacks', () => {
  it('loads a stack after the stack it imports from, whatever the manifest order', () => {
    const app = loadAssembly({ Consumer: CONSUMER, Producer: PRODUCER });
    expect(app.stacks.map((s) => s.stackName)).toEqual(['Producer', 'Consumer']);
  });

  it('orders by a literal Fn::ImportValue even when the manifest names no dependency', () => {
    const app = loadAssembly({ Consumer: { template: CONSUMER.template }, Producer: PRODUCER });
    expect(app.stacks.map((s) => s.stackName)).toEqual(['Producer', 'Consumer']);
  });

  it('resolves Fn::ImportValue to the value the other stack exports, by literal and computed export names', () => {
    const app = loadAssembly({ Consumer: CONSUMER, Producer: PRODUCER });
    const queue = find(app, 'Producer', 'Queue');
    expect(find(app, 'Consumer', 'Policy').properties).toEqual({
      Queue: queue.ref,
      PolicyDocument: { Statement: [{ Resource: queue.attributes.Arn }] },
    });
    expect(app.warnings).toEqual([]);
  });

  it("lists each stack's exports", () => {
    const app = loadAssembly({ Producer: PRODUCER });
    const queue = find(app, 'Producer', 'Queue');
    expect(app.stacks[0]?.exports).toEqual({
      'Producer:ExportsOutputFnGetAttQueueArn': queue.attributes.Arn,
      'Producer-QueueUrl': queue.ref,
    });
  });

  it('warns once, naming the importing stack, resource and the export, for an import no stack exports', () => {
    const app = loadAssembly({
      Consumer: {
        template: {
          Resources: { Fn: { Type: 'AWS::SQS::QueueInlinePolicy', Properties: { Queue: { 'Fn::ImportValue': 'Nobody-Url' } } } },
        },
      },
    });
    expect(find(app, 'Consumer', 'Fn').properties).toEqual({});
    expect(app.warnings).toEqual([
      'Consumer/Fn (AWS::SQS::QueueInlinePolicy): Properties.Queue: Fn::ImportValue: no stack of the cloud assembly exports "Nobody-Url"',
    ]);
  });

  it('names the exporting stack and its output, not a missing export, for an import of an export whose value did not resolve', () => {
    const app = loadAssembly({
      Producer: {
        template: {
          Resources: { Agent: { Type: 'AWS::Made::Up', Properties: {} } },
          Outputs: { AgentArn: { Value: { 'Fn::GetAtt': ['Agent', 'Arn'] }, Export: { Name: 'Producer-AgentArn' } } },
        },
      },
      Consumer: {
        template: {
          Resources: { Fn: { Type: 'AWS::SQS::QueueInlinePolicy', Properties: { Queue: { 'Fn::ImportValue': 'Producer-AgentArn' } } } },
        },
        dependencies: ['Producer'],
      },
    });
    expect(app.warnings).toContain(
      'Consumer/Fn (AWS::SQS::QueueInlinePolicy): Properties.Queue: Fn::ImportValue: Producer exports "Producer-AgentArn", but its Outputs.AgentArn has no local value (said above)',
    );
  });

  it('warns about an export name two stacks use, and imports the first', () => {
    const app = loadAssembly({
      A: { template: { Resources: {}, Outputs: { X: { Value: 'a', Export: { Name: 'Shared' } } } } },
      B: { template: { Resources: {}, Outputs: { X: { Value: 'b', Export: { Name: 'Shared' } } } } },
      C: {
        dependencies: ['A', 'B'],
        template: { Resources: { M: { Type: 'AWS::CDK::Metadata', Properties: { V: { 'Fn::ImportValue': 'Shared' } } } } },
      },
    });
    expect(find(app, 'C', 'M').properties).toEqual({ V: 'a' });
    expect(app.warnings).toEqual(['B: export "Shared" is already exported by A; imports read A\'s']);
  });

  it('names two stacks of different regions whose resources of one name are one resource locally', () => {
    const bus = { template: { Resources: { Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'Shared' } } } } };
    const app = loadAssembly({
      Main: { ...bus, environment: 'aws://unknown-account/us-east-1' },
      Replica: { ...bus, environment: 'aws://unknown-account/eu-west-1' },
      Other: { template: { Resources: { Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'Own' } } } } },
    });
    expect(app.warnings).toContain(
      "Replica/Bus (AWS::Events::EventBus) and Main/Bus are one resource locally, arn:aws:events:us-east-1:000000000000:event-bus/Shared: on AWS each is in its own region (us-east-1, eu-west-1); here what either stack sends to it, the other's rules, subscriptions and readers see",
    );
    expect(app.warnings.filter((w) => w.includes('one resource locally'))).toHaveLength(1);
  });

  it('says CloudFormation refuses the second of two same-named resources in one account and region, not of two accounts', () => {
    const queue = { template: { Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } } } } };
    const app = loadAssembly({ A: queue, B: queue });
    expect(app.warnings.join('\n')).toMatch(
      /B\/Q \(AWS::SQS::Queue\) and A\/Q are one resource locally, .*CloudFormation refuses to create the second/,
    );
    // Two stages for two accounts (a pipeline's) each have theirs on AWS.
    const stages = loadAssembly({
      A: { ...queue, environment: 'aws://111111111111/us-east-1' },
      B: { ...queue, environment: 'aws://222222222222/us-east-1' },
    });
    expect(stages.warnings.join('\n')).toMatch(
      /B\/Q \(AWS::SQS::Queue\) and A\/Q are one resource locally, .*each is in its own account \(111111111111, 222222222222\)/,
    );
  });

  it('resolves an import across the stacks of two stages (nested assemblies)', () => {
    const app = loadAssembly(
      {},
      {
        Shared: { SharedStack: { stackName: 'Shared-Stack', template: PRODUCER.template } },
        Apps: {
          AppStack: {
            stackName: 'Apps-Stack',
            template: {
              Resources: {
                M: { Type: 'AWS::CDK::Metadata', Properties: { Arn: { 'Fn::ImportValue': 'Producer:ExportsOutputFnGetAttQueueArn' } } },
              },
            },
          },
        },
      },
    );
    expect(find(app, 'Apps-Stack', 'M').properties.Arn).toBe(find(app, 'Shared-Stack', 'Queue').attributes.Arn);
  });

  it("loads a CDK nested stack from its template file, passing the parent's parameters and reading its outputs", () => {
    const nested = {
      Parameters: { referencetoParentQueueArn: { Type: 'String' } },
      Resources: {
        Fn: {
          Type: 'AWS::CDK::Metadata',
          Properties: { QueueArn: { Ref: 'referencetoParentQueueArn' } },
        },
        Topic: { Type: 'AWS::SQS::Queue' },
      },
      Outputs: { ParentNestedTopicRef: { Value: { Ref: 'Topic' } } },
    };
    const app = loadAssembly(
      {
        Parent: {
          template: {
            Resources: {
              Queue: { Type: 'AWS::SQS::Queue' },
              Nested: {
                Type: 'AWS::CloudFormation::Stack',
                Properties: {
                  TemplateURL: {
                    'Fn::Join': ['', ['https://s3.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/bucket/abc123.json']],
                  },
                  Parameters: { referencetoParentQueueArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
                },
                Metadata: { 'aws:asset:path': 'ParentNested1234.nested.template.json', 'aws:asset:property': 'TemplateURL' },
              },
              User: { Type: 'AWS::CDK::Metadata', Properties: { Url: { 'Fn::GetAtt': ['Nested', 'Outputs.ParentNestedTopicRef'] } } },
            },
          },
        },
      },
      {},
      { 'ParentNested1234.nested.template.json': nested },
    );
    expect(app.warnings).toEqual([]);
    expect(app.stacks.map((s) => s.stackName)).toEqual(['Parent-Nested', 'Parent']);
    expect(find(app, 'Parent-Nested', 'Fn').properties.QueueArn).toBe(find(app, 'Parent', 'Queue').attributes.Arn);
    expect(find(app, 'Parent', 'User').properties.Url).toBe(find(app, 'Parent-Nested', 'Topic').ref);
    expect(find(app, 'Parent', 'Nested').ref).toMatch(/^arn:aws:cloudformation:us-east-1:000000000000:stack\/Parent-Nested\//);
  });
});

describe('loadApp with SSM parameters', () => {
  /** What `ssm.StringParameter.valueForStringParameter` writes: a template parameter whose default is the SSM parameter's name. */
  const READER: HandWrittenStack = {
    template: {
      Parameters: { SsmParameterValueconfigurlC96584B6: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/config/url' } },
      Resources: { M: { Type: 'AWS::CDK::Metadata', Properties: { Url: { Ref: 'SsmParameterValueconfigurlC96584B6' } } } },
    },
  };

  it('resolves an AWS::SSM::Parameter::Value<String> parameter from the SSM parameter another stack declares', () => {
    const app = loadAssembly({
      Reader: READER,
      Writer: {
        template: {
          Resources: {
            Queue: { Type: 'AWS::SQS::Queue' },
            Url: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/config/url', Type: 'String', Value: { Ref: 'Queue' } } },
          },
        },
      },
    });
    expect(app.stacks.map((s) => s.stackName)).toEqual(['Writer', 'Reader']);
    expect(find(app, 'Reader', 'M').properties.Url).toBe(find(app, 'Writer', 'Queue').ref);
    expect(app.warnings).toEqual([]);
  });

  it('resolves it from the local SSM store when no stack declares the parameter', () => {
    const app = loadAssembly({ Reader: READER }, {}, {}, { ssmParameter: (name) => (name === '/config/url' ? 'from-store' : undefined) });
    expect(find(app, 'Reader', 'M').properties.Url).toBe('from-store');
  });

  it('splits a list-typed SSM parameter on commas', () => {
    const app = loadAssembly({
      Reader: {
        template: {
          Parameters: { P: { Type: 'AWS::SSM::Parameter::Value<List<String>>', Default: '/ids' } },
          Resources: {
            Ids: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/ids', Type: 'StringList', Value: 'a,b' } },
            M: { Type: 'AWS::CDK::Metadata', Properties: { Ids: { Ref: 'P' } } },
          },
        },
      },
    });
    expect(find(app, 'Reader', 'M').properties.Ids).toEqual(['a', 'b']);
  });

  it('warns, naming the parameter and the SSM name, when neither the app nor the store has it', () => {
    const app = loadAssembly({ Reader: READER });
    expect(find(app, 'Reader', 'M').properties).toEqual({});
    expect(app.warnings).toEqual([
      'Reader/M (AWS::CDK::Metadata): Properties.Url: parameter SsmParameterValueconfigurlC96584B6 reads SSM parameter "/config/url", which no stack of the app declares and the local SSM store does not have; put it (aws ssm put-parameter) and start again',
    ]);
  });

  it('resolves {{resolve:ssm:...}} dynamic references, and warns about the ones it cannot read', () => {
    const app = loadAssembly(
      {
        S: {
          template: {
            Resources: {
              M: {
                Type: 'AWS::CDK::Metadata',
                Properties: {
                  Url: 'https://{{resolve:ssm:/config/host}}/v1',
                  Pinned: '{{resolve:ssm:/config/host:3}}',
                  Secret: '{{resolve:secretsmanager:db:SecretString:password}}',
                },
              },
            },
          },
        },
      },
      {},
      {},
      { ssmParameter: (name) => (name === '/config/host' ? 'api.example.com' : undefined) },
    );
    expect(find(app, 'S', 'M').properties).toEqual({ Url: 'https://api.example.com/v1', Pinned: 'api.example.com' });
    expect(app.warnings).toEqual([
      'S/M (AWS::CDK::Metadata): Properties.Secret: dynamic reference {{resolve:secretsmanager:db:SecretString:password}}: secretsmanager is not read locally',
    ]);
  });

  it('gives an SSM parameter resource its name as Ref and its type and value as attributes', () => {
    const app = loadAssembly({
      S: {
        template: {
          Resources: {
            P: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'StringList', Value: 'a,b' } },
            M: {
              Type: 'AWS::CDK::Metadata',
              Properties: { N: { Ref: 'P' }, T: { 'Fn::GetAtt': ['P', 'Type'] }, V: { 'Fn::GetAtt': ['P', 'Value'] } },
            },
          },
        },
      },
    });
    expect(find(app, 'S', 'M').properties).toEqual({ N: 'S-P', T: 'StringList', V: 'a,b' });
  });
});

describe('loadApp with parameter values', () => {
  const withParameter = (defaultValue?: string): HandWrittenStack => ({
    template: {
      Parameters: { Stage: { Type: 'String', ...(defaultValue === undefined ? {} : { Default: defaultValue }) } },
      Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::Sub': 'orders-${Stage}' } } } },
    },
  });

  it('gives a Name=Value to every stack, and a Stack:Name=Value to that stack only, as cdk deploy --parameters does', () => {
    const app = loadAssembly(
      { One: withParameter('dev'), Two: withParameter('dev') },
      {},
      {},
      { parameters: { Stage: 'qa', 'Two:Stage': 'prod' } },
    );
    expect(find(app, 'One', 'Queue').physicalName).toBe('orders-qa');
    expect(find(app, 'Two', 'Queue').physicalName).toBe('orders-prod');
  });

  it('fails if a parameter without a default gets no value, naming the option that gives one', () => {
    const app = loadAssembly({ One: withParameter() });
    expect(app.warnings).toContainEqual(
      expect.stringContaining(
        "parameter Stage has no default; pass a value for it: switchyard dev --parameters 'Stage=<value>', as cdk deploy --parameters takes it",
      ),
    );
  });
});
