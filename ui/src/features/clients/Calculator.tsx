import { Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DeadlineFields, emptyDeadline } from '../../components/forms';

export function Calculator() {
  const { t } = useTranslation();
  const [value, setValue] = useState(emptyDeadline());
  return (
    <Stack maw={640}>
      <Title order={2}>{t('deadline.calculator')}</Title>
      <Text size="sm">{t('deadline.calculator_help')}</Text>
      <Paper withBorder p="md">
        <DeadlineFields value={value} onChange={setValue} autoFocus />
      </Paper>
    </Stack>
  );
}
